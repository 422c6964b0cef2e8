import { ApiProperty } from '@nestjs/swagger';

/** The one error shape of the API (API.md). */
export class ErrorDto {
  @ApiProperty({ example: 404 }) statusCode: number;
  @ApiProperty({ example: 'Not Found' }) error: string;
  @ApiProperty({ example: 'Document not found' }) message: string;
  @ApiProperty({ example: 'b7e0c1f2-3c4d-4e5f-8a9b-0c1d2e3f4a5b' }) requestId: string;
}
