/**
 * Test setup for the object storage tests: credentials in the environment (the SDK's standard chain
 * reads them first, so it never looks further, e.g. at an instance metadata service), no AWS
 * endpoint or profile from the machine, and a client of the tests' own to fill and inspect buckets.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3_KEY, type S3TestServer } from './s3_server.js';

export function useTestCredentials(key: { accessKeyId: string; secretAccessKey: string } = S3_KEY): void {
  process.env.AWS_ACCESS_KEY_ID = key.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = key.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'S3_ENDPOINT']) delete process.env[name];
}

export function testClient(server: S3TestServer): S3Client {
  return new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_KEY, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

export async function createBucket(client: S3Client, name: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: name }));
}

export async function putObject(client: S3Client, bucket: string, key: string, body: Buffer | string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Uploads every file under `folder` (recursively) to `bucket`/`prefix`/<relative path>. */
export async function putFolder(client: S3Client, folder: string, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const rel of readdirSync(folder, { recursive: true }) as string[]) {
    const path = join(folder, rel);
    if (!statSync(path).isFile()) continue;
    const key = `${prefix}/${rel.split('\\').join('/')}`;
    await putObject(client, bucket, key, readFileSync(path));
    keys.push(key);
  }
  return keys.sort();
}

export async function getObject(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}
