import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PlatformAdmin } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { EmbeddingModelStatusDto, SwitchEmbeddingModelDto } from './embedding-model.dto.js';
import { EmbeddingModelService } from './embedding-model.service.js';

/** A tenant's embedding model and its switches (README, "Embedding models"). */
@ApiTags('admin')
@PlatformAdmin()
@Controller('api/v1/admin/tenants/:tenantId/embedding-model')
export class EmbeddingModelController {
  constructor(private readonly service: EmbeddingModelService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Switch a tenant to another embedding model',
    description:
      'Platform admin. Every chunk is embedded again in the background (the worker); search and chat keep using the current model until all are done, then move in one step, and the old vectors are dropped. 409 when the tenant already uses the model or another switch is under way; the same model again resumes a failed switch.',
  })
  @ApiAcceptedResponse({ type: EmbeddingModelStatusDto })
  @ApiErrors(400, 401, 403, 404, 409, 502)
  switchTo(
    @Param('tenantId', UuidParam('tenantId')) tenantId: string,
    @Body() dto: SwitchEmbeddingModelDto,
  ): Promise<EmbeddingModelStatusDto> {
    return this.service.switchTo(tenantId, dto);
  }

  @Get()
  @ApiOperation({
    summary: "A tenant's embedding model and switch progress",
    description: 'Platform admin. The active model, the one being switched to, chunks done of the total, ETA and errors.',
  })
  @ApiOkResponse({ type: EmbeddingModelStatusDto })
  @ApiErrors(400, 401, 403, 404)
  status(@Param('tenantId', UuidParam('tenantId')) tenantId: string): Promise<EmbeddingModelStatusDto> {
    return this.service.status(tenantId);
  }

  @Delete()
  @HttpCode(202)
  @ApiOperation({
    summary: "Cancel a tenant's embedding-model switch",
    description: 'Platform admin. The tenant stays on its current model; what the switch embedded is dropped. 409 when none is under way.',
  })
  @ApiAcceptedResponse({ type: EmbeddingModelStatusDto })
  @ApiErrors(400, 401, 403, 404, 409)
  cancel(@Param('tenantId', UuidParam('tenantId')) tenantId: string): Promise<EmbeddingModelStatusDto> {
    return this.service.cancel(tenantId);
  }

  @Post('cancel')
  @HttpCode(202)
  @ApiOperation({
    summary: "Cancel a tenant's embedding-model switch (POST form)",
    description: 'Platform admin. The same as DELETE on …/embedding-model, for clients that cannot send DELETE.',
  })
  @ApiAcceptedResponse({ type: EmbeddingModelStatusDto })
  @ApiErrors(400, 401, 403, 404, 409)
  cancelByPost(@Param('tenantId', UuidParam('tenantId')) tenantId: string): Promise<EmbeddingModelStatusDto> {
    return this.service.cancel(tenantId);
  }
}
