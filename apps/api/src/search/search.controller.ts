import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAuth } from '../auth/auth.decorators.js';
import { MAX_KEYWORD_TERMS, queryWords } from '#libs/retrieval/search.repository.js';
import { SearchService } from '#libs/retrieval/search.service.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { SearchDto, SearchResultDto } from './search.dto.js';
import { RateClass, RateLimited } from '../admission/rate-class.js';

@ApiTags('search')
@TenantAuth()
@Controller('api/v1/search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Post()
  @RateLimited(RateClass.Search)
  @ApiOperation({
    summary: "Search the tenant's documents",
    description:
      "`mode`: `vector` (default, by meaning), `keyword` (by words, read with each document's language: detected, or the tenant's settings.searchLanguage) or `hybrid` (both, fused 0.6 : 0.4, plus a boost for section headings holding the query's words). `topK` passages (1-100, default 5); `minScore` drops passages whose similarity is lower; `folderIds`/`documentIds` limit the scope.",
  })
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
      query: dto.query,
      topK: dto.topK ?? 5,
      mode: dto.mode ?? 'vector',
      folderIds: dto.folderIds,
      documentIds: dto.documentIds,
      minScore: dto.minScore,
    });
    return { items };
  }
}
