import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { JsonApiClient, RemoteApiError, type TokenSource } from '../../core/http/index.js';

/** An image as other services see it (Glance v2's image record). */
export interface ImageInfo {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  owner: string | null;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  min_disk: number;
  min_ram: number;
  checksum: string | null;
  [property: string]: unknown;
}

/** The image service's typed client for other services (Nova's glance API). */
export class ImageClient {
  private readonly http: JsonApiClient;

  constructor(readonly baseUrl: string, private readonly token: TokenSource) {
    this.http = new JsonApiClient(baseUrl.replace(/\/+$/, ''), token, 'image');
  }

  async image(id: string): Promise<ImageInfo> {
    return this.http.request<ImageInfo>('GET', `/v2/images/${encodeURIComponent(id)}`);
  }

  /** Images matching Glance list filters (properties like instance_uuid filter too). */
  async images(query: Record<string, string>): Promise<ImageInfo[]> {
    return (await this.http.request<{ images: ImageInfo[] }>('GET', `/v2/images?${new URLSearchParams(query).toString()}`)).images;
  }

  async createImage(body: Record<string, unknown>): Promise<ImageInfo> {
    return this.http.request<ImageInfo>('POST', '/v2/images', body);
  }

  /** JSON-patch operations on an image (Glance's PATCH). */
  async patchImage(id: string, ops: Array<{ op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }>): Promise<ImageInfo> {
    return this.http.request<ImageInfo>('PATCH', `/v2/images/${id}`, ops, { 'content-type': 'application/openstack-images-v2.1-json-patch' });
  }

  async deleteImage(id: string): Promise<void> {
    await this.http.request('DELETE', `/v2/images/${id}`);
  }

  /** Uploads image data (PUT /file); the image becomes active. */
  async upload(id: string, data: Buffer): Promise<void> {
    const body = new Blob([new Uint8Array(data)]);
    const url = `${this.baseUrl.replace(/\/+$/, '')}/v2/images/${id}/file`;
    let res = await fetch(url, { method: 'PUT', headers: { 'x-auth-token': await this.token(false), 'content-type': 'application/octet-stream' }, body });
    if (res.status === 401) res = await fetch(url, { method: 'PUT', headers: { 'x-auth-token': await this.token(true), 'content-type': 'application/octet-stream' }, body });
    if (res.status >= 300) throw new Error(`image upload of ${id} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }

  /**
   * Streams the image's data into `path` (GET /file) and answers its size and digests,
   * so the caller can check them against the record's checksum and os_hash_value.
   */
  async download(id: string, path: string): Promise<{ size: number; md5: string; sha256: string; sha512: string }> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/v2/images/${encodeURIComponent(id)}/file`;
    let res = await fetch(url, { headers: { 'x-auth-token': await this.token(false) } });
    if (res.status === 401) res = await fetch(url, { headers: { 'x-auth-token': await this.token(true) } });
    if (res.status !== 200 || !res.body) {
      const text = await res.text();
      throw new RemoteApiError(res.status, text, `image download of ${id} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    const digests = { md5: createHash('md5'), sha256: createHash('sha256'), sha512: createHash('sha512') };
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        for (const h of Object.values(digests)) h.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), measure, createWriteStream(path));
    return { size, md5: digests.md5.digest('hex'), sha256: digests.sha256.digest('hex'), sha512: digests.sha512.digest('hex') };
  }

  /** Uploads a file's contents as the image's data (PUT /file), streamed: disk snapshots are large. */
  async uploadFile(id: string, path: string): Promise<void> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/v2/images/${id}/file`;
    const size = (await stat(path)).size;
    const send = async (renew: boolean): Promise<Response> => fetch(url, {
      method: 'PUT',
      headers: { 'x-auth-token': await this.token(renew), 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(path)) as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit);
    let res = await send(false);
    if (res.status === 401) res = await send(true);
    if (res.status >= 300) throw new Error(`image upload of ${id} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
}
