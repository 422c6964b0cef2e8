import { Body, Controller, Get, HttpCode, Ip, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { Public } from './auth.decorators.js';
import { LoginDto, MeDto, TokenDto } from './auth.dto.js';
import { AuthService } from './auth.service.js';
import type { RequestWithPrincipal } from './principal.js';

@ApiTags('auth')
@Controller('api/v1')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenDto })
  @ApiErrors(400, 401, 429, 503)
  login(@Body() body: LoginDto, @Ip() ip: string): Promise<TokenDto> {
    return this.auth.login(body.tenant, body.email, body.password, ip);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOkResponse({ type: MeDto })
  @ApiErrors(401, 403)
  me(@Req() req: RequestWithPrincipal): MeDto {
    const p = req.principal!;
    return { userId: p.userId!, tenantId: p.tenantId!, email: p.email!, role: p.role! };
  }
}
