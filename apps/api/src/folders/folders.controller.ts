import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAuth } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { UuidParam } from '../common/uuid.pipe.js';
import { CreateFolderDto, FolderDto, FolderListDto, ListFoldersQueryDto, UpdateFolderDto } from './folders.dto.js';
import { FoldersService } from './folders.service.js';

/** Any tenant user (admin or member) manages the tenant's folders; deleting is limited to the admin or the creator. */
@ApiTags('folders')
@TenantAuth()
@Controller('api/v1/folders')
export class FoldersController {
  constructor(private readonly folders: FoldersService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a folder',
    description:
      'Names are unique among the folders of one parent (409 otherwise). `parentId` must be a folder of your tenant (404 otherwise).',
  })
  @ApiCreatedResponse({ type: FolderDto })
  @ApiErrors(400, 401, 403, 404, 409)
  create(@Body() dto: CreateFolderDto): Promise<FolderDto> {
    return this.folders.create(dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List folders',
    description: 'Every folder of the tenant ordered by name then id, or only the direct children of `parentId`.',
  })
  @ApiOkResponse({ type: FolderListDto })
  @ApiErrors(400, 401, 403, 404)
  list(@Query() query: ListFoldersQueryDto): Promise<FolderListDto> {
    return this.folders.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a folder' })
  @ApiOkResponse({ type: FolderDto })
  @ApiErrors(400, 401, 403, 404)
  get(@Param('id', UuidParam()) id: string): Promise<FolderDto> {
    return this.folders.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Rename and/or move a folder',
    description:
      '`parentId: null` moves it to the top level. Moving a folder into itself or one of its descendants is a 400; ' +
      "an unknown folder or new parent (or another tenant's) is a 404; a name taken under the target parent is a 409.",
  })
  @ApiOkResponse({ type: FolderDto })
  @ApiErrors(400, 401, 403, 404, 409)
  update(@Param('id', UuidParam()) id: string, @Body() dto: UpdateFolderDto): Promise<FolderDto> {
    return this.folders.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a folder and its subfolders',
    description:
      'Deletes the folder together with all its subfolders, at every level. Documents are never deleted: the documents ' +
      "of every deleted folder move to no folder (`folderId` becomes null). Only a tenant admin or the folder's creator may delete it (403).",
  })
  @ApiNoContentResponse({ description: 'Deleted, with its subfolders; their documents now have no folder' })
  @ApiErrors(400, 401, 403, 404)
  async delete(@Param('id', UuidParam()) id: string): Promise<void> {
    await this.folders.delete(id);
  }
}
