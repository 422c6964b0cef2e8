/**
 * pgvector's text form of a vector, `[0.1,0.2,…]`: what search sends as its query vector
 * (cast to halfvec in SQL), and what tests and benches write. Eight significant digits
 * keep every bit of a float4, at about half the size of JavaScript's default.
 */
export function vectorLiteral(v: ArrayLike<number>): string {
  let out = '[';
  for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + v[i]!.toPrecision(8);
  return out + ']';
}
