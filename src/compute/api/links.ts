import type { FastifyRequest } from 'fastify';

/** The compute endpoint as the client reached it (Nova builds links from the request URL). */
export function endpointOf(request: FastifyRequest): string {
  const proto = (request.headers['x-forwarded-proto'] as string | undefined) ?? 'http';
  return `${proto}://${request.headers.host ?? 'localhost'}`;
}

/** Nova's self and bookmark links of a resource in a collection. */
export function resourceLinks(request: FastifyRequest, collection: string, id: string): Array<{ rel: string; href: string }> {
  const base = endpointOf(request);
  return [
    { rel: 'self', href: `${base}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${base}/${collection}/${id}` },
  ];
}

/** The `next` link of a page that was cut at `limit` (Nova's _get_collection_links). */
export function nextLink(request: FastifyRequest, collection: string, lastId: string): Array<{ rel: string; href: string }> {
  const url = new URL(request.url, endpointOf(request));
  url.searchParams.set('marker', lastId);
  return [{ rel: 'next', href: `${endpointOf(request)}/v2.1/${collection}?${url.searchParams.toString()}` }];
}
