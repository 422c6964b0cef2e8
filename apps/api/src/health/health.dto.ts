import { ApiProperty } from '@nestjs/swagger';

export class LiveDto {
  @ApiProperty({ example: 'ok' }) status: 'ok';
}

export class ReadyChecksDto {
  @ApiProperty({ example: 'ok', description: '`ok` or `down`' }) database: string;
  @ApiProperty({ example: 'ok', description: '`ok`, `N pending` or `unknown`' }) migrations: string;
  @ApiProperty({ example: 'ok', description: '`ok` or `down`' }) redis: string;
}

export class ReadyDto {
  @ApiProperty({ example: 'ok' }) status: 'ok';
  @ApiProperty({ type: ReadyChecksDto }) checks: ReadyChecksDto;
}
