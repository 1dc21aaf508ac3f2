import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { tasksOfImage } from '../db/tasks.js';
import { findVisibleImage } from '../domain/access.js';
import { importImage, type ImportRequest } from '../domain/import.js';
import type { ImageService } from '../service.js';
import type { Guard, IdParams } from './kit.js';
import { taskView } from './view.js';

/** Glance's import methods; web-download needs internet, so Stratus never offers it. */
const ALL_IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image', 'glance-download'];

export function registerImportRoutes(app: FastifyInstance, svc: ImageService, authed: Guard): void {
  app.get('/v2/info/import', authed, async () => ({
    'import-methods': {
      description: 'Import methods available.',
      type: 'array',
      value: svc.settings.importMethods.filter((m) => ALL_IMPORT_METHODS.includes(m)),
    },
  }));

  app.get('/v2/info/stores', authed, async () => ({
    stores: [{ id: svc.store.id, description: svc.store.description, default: true }],
  }));

  app.post<{ Params: IdParams }>('/v2/images/:id/import', authed, async (request, reply) => {
    await importImage(svc, callerOf(request), request.params.id, request.body as ImportRequest | undefined);
    return reply.status(202).send();
  });

  app.get<{ Params: IdParams }>('/v2/images/:id/tasks', authed, async (request) => {
    const { image } = await findVisibleImage(svc, callerOf(request), request.params.id);
    return { tasks: (await tasksOfImage(svc.db, image.id)).map(taskView) };
  });
}
