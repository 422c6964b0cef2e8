import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SearchService } from '#libs/retrieval/search.service.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { SearchDto, SearchResultDto } from './search.dto.js';

@ApiTags('search')
@ApiBearerAuth()
@Controller('api/v1/search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: SearchResultDto })
  @ApiErrors(400, 401, 403)
  async run(@Body() dto: SearchDto): Promise<SearchResultDto> {
    const items = await this.search.search({
      query: dto.query, topK: dto.topK ?? 5, mode: dto.mode ?? 'vector',
      folderIds: dto.folderIds, documentIds: dto.documentIds, minScore: dto.minScore,
    });
    return { items };
  }
}
