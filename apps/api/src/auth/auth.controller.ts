import { Body, Controller, Get, HttpCode, Ip, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { Public, TenantAuth } from './auth.decorators.js';
import { LoginDto, MeDto, TokenDto } from './auth.dto.js';
import { AuthService } from './auth.service.js';
import type { RequestWithPrincipal } from './principal.js';

@ApiTags('auth')
@Controller('api/v1')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('auth/login')
  @ApiOperation({
    summary: 'Log in',
    description:
      'Tenant slug, e-mail and password give a JWT (`accessToken`) for `Authorization: Bearer …`, valid `expiresIn` seconds. Throttled per address and per account (429 with Retry-After).',
  })
  @HttpCode(200)
  @ApiOkResponse({ type: TokenDto })
  @ApiErrors(400, 401, 429, 503)
  login(@Body() body: LoginDto, @Ip() ip: string): Promise<TokenDto> {
    return this.auth.login(body.tenant, body.email, body.password, ip);
  }

  @Get('me')
  @ApiOperation({ summary: 'Who am I', description: 'The user the bearer token (API key or JWT) acts as.' })
  @TenantAuth()
  @ApiOkResponse({ type: MeDto })
  @ApiErrors(401, 403)
  me(@Req() req: RequestWithPrincipal): MeDto {
    const p = req.principal!;
    return { userId: p.userId!, tenantId: p.tenantId!, email: p.email!, role: p.role! };
  }
}
