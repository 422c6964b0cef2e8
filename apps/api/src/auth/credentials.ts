/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
}

/** User and password of an `Authorization: Basic <base64(user:password)>` header, or undefined. */
export function basicCredentials(authorization: string | undefined): { user: string; password: string } | undefined {
  const encoded = authorization ? /^Basic\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  return sep > 0 ? { user: decoded.slice(0, sep), password: decoded.slice(sep + 1) } : undefined;
}
