import { JsonApiClient, type TokenSource } from '../../core/http/index.js';

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
}
