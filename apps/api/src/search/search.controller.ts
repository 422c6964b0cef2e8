import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { MAX_KEYWORD_TERMS, queryWords } from '#libs/retrieval/search.repository.js';
import { SearchService } from '#libs/retrieval/search.service.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { SearchDto, SearchResultDto } from './search.dto.js';
import { RateClass, RateLimited } from '../admission/rate-class.js';

@ApiTags('search')
@ApiBearerAuth()
@Controller('api/v1/search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Post()
  @RateLimited(RateClass.Search)
  @HttpCode(200)
  @ApiOkResponse({ type: SearchResultDto })
  @ApiErrors(400, 401, 403, 429, 503)
  async run(@Body() dto: SearchDto): Promise<SearchResultDto> {
    // Keyword-only search would silently drop the words past the cap; say so instead. (Hybrid and
    // chat use the first words for the keyword side and the whole text for the vector side.)
    if (dto.mode === 'keyword' && queryWords(dto.query).length > MAX_KEYWORD_TERMS) {
      throw new BadRequestException(`a keyword search takes at most ${MAX_KEYWORD_TERMS} words`);
    }
    const items = await this.search.search({
      query: dto.query, topK: dto.topK ?? 5, mode: dto.mode ?? 'vector',
      folderIds: dto.folderIds, documentIds: dto.documentIds, minScore: dto.minScore,
    });
    return { items };
  }
}
