import type { FastifyInstance } from 'fastify';
import { imageSchema, imagesSchema, memberSchema, membersSchema } from '../domain/image-schema.js';
import type { ImageService } from '../service.js';
import type { Guard } from './kit.js';

export function registerSchemaRoutes(app: FastifyInstance, svc: ImageService, authed: Guard): void {
  const image = imageSchema(svc.settings);
  const images = imagesSchema(svc.settings);
  app.get('/v2/schemas/image', authed, async () => image);
  app.get('/v2/schemas/images', authed, async () => images);
  app.get('/v2/schemas/member', authed, async () => memberSchema());
  app.get('/v2/schemas/members', authed, async () => membersSchema());
}
