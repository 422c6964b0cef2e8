import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, TenantAuth } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UsageQueryDto, UsageReportDto } from './usage.dto.js';
import { UsageService } from './usage.service.js';

@ApiTags('usage')
@TenantAuth()
@Roles('admin')
@Controller('api/v1/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @ApiOperation({
    summary: "The tenant's token usage by day",
    description:
      'Tenant admin only. Tokens per UTC day, kind (chat, embedding) and model, and the daily chat token quota with what today used of it.',
  })
  @ApiOkResponse({ type: UsageReportDto })
  @ApiErrors(400, 401, 403)
  report(@Query() q: UsageQueryDto): Promise<UsageReportDto> {
    return this.usage.report(q.days ?? 30);
  }
}
