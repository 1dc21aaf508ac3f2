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

  /**
   * Streams the image's data into `path` (GET /file) and answers its size and digests,
   * so the caller can check them against the record's checksum and os_hash_value.
   */
  async download(id: string, path: string): Promise<{ size: number; md5: string; sha256: string; sha512: string }> {
    const res = await this.sendData(id, (token) => ({ headers: { 'x-auth-token': token } }));
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
    const size = (await stat(path)).size;
    // A fresh stream per attempt: a retry after 401 cannot reuse a consumed body.
    const res = await this.sendData(id, (token) => ({
      method: 'PUT',
      headers: { 'x-auth-token': token, 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(path)) as unknown as BodyInit,
      duplex: 'half',
    } as RequestInit));
    if (res.status >= 300) throw new Error(`image upload of ${id} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }

  /** A request to the image's data (/file) with the service token, once more with a renewed token on 401. */
  private async sendData(id: string, init: (token: string) => RequestInit): Promise<Response> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/v2/images/${encodeURIComponent(id)}/file`;
    const res = await fetch(url, init(await this.token(false)));
    return res.status === 401 ? fetch(url, init(await this.token(true))) : res;
  }
}
