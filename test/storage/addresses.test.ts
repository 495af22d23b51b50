// Addresses, their local copies and back, and the sorting of S3 failures: pure functions, no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { AddressMap } from '../../src/storage/address_map.js';
import { resolveEndpoint } from '../../src/storage/connection.js';
import { classify, isTransient } from '../../src/storage/faults.js';
import { localPathOfObject } from '../../src/storage/local_copies.js';
import { childUrl, folderPrefix, parseObjectUrl } from '../../src/storage/object_url.js';

test('s3:// and obs:// addresses parse into scheme, bucket and key', () => {
  assert.deepEqual(parseObjectUrl('s3://my-bucket/data/day'), { scheme: 's3', bucket: 'my-bucket', key: 'data/day' });
  assert.deepEqual(parseObjectUrl('OBS://my.bucket'), { scheme: 'obs', bucket: 'my.bucket', key: '' });
  assert.equal(folderPrefix(parseObjectUrl('s3://b12/x')), 'x/');
  assert.equal(folderPrefix(parseObjectUrl('s3://b12/x/')), 'x/');
  assert.deepEqual(childUrl(parseObjectUrl('s3://b12/run'), 'model/a.pb'), { scheme: 's3', bucket: 'b12', key: 'run/model/a.pb' });
  assert.throws(() => parseObjectUrl('s3://Bad_Bucket/x', '--source'), new ConfigError("Expected a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens in --source but received 'Bad_Bucket' in s3://Bad_Bucket/x"));
  assert.throws(() => parseObjectUrl('http://x/y', '--out'), /Expected an s3:\/\/bucket\/key or obs:\/\/bucket\/key address for --out but received http:\/\/x\/y/);
});

test('a key that would leave the cache folder has no local path', () => {
  const cache = '/cache';
  assert.equal(localPathOfObject(cache, parseObjectUrl('s3://bkt/a/b.jpg')), join('/cache', 'objects', 's3', 'bkt', 'a', 'b.jpg'));
  for (const key of ['../../etc/passwd', 'a/../../x', 'a//b', './a']) assert.equal(localPathOfObject(cache, parseObjectUrl(`s3://bkt/${key}`)), null, key);
});

test('local paths map back to the addresses they stand for, and only whole path components', () => {
  const map = new AddressMap('/c', { localRoot: '/c/runs/r-1', address: 's3://bkt/run/' });
  assert.equal(map.text('/c/runs/r-1/Data/CycleGan_0_1.jpg'), 's3://bkt/run/Data/CycleGan_0_1.jpg');
  assert.equal(map.text('/c/runs/r-1'), 's3://bkt/run');
  assert.equal(map.text('/c/runs/r-12/x'), '/c/runs/r-12/x');
  assert.equal(map.text('skipped /c/objects/obs/bkt/day/a.jpg: truncated'), 'skipped obs://bkt/day/a.jpg: truncated');
  const manifest = Buffer.from('{"id":"CycleGan_0_0","source":"/c/runs/r-1/Data/CycleGan_0_0.jpg","original":"/c/objects/s3/in-b/x/a.png"}\n');
  assert.equal(map.uploadBody('output_0.manifest', manifest)!.toString(), '{"id":"CycleGan_0_0","source":"s3://bkt/run/Data/CycleGan_0_0.jpg","original":"s3://in-b/x/a.png"}\n');
  assert.equal(map.uploadBody('samples/0000_0.jpg', Buffer.from('x')), null);
});

test('the endpoint comes from the flag, then AWS_ENDPOINT_URL, then S3_ENDPOINT, and must be http(s)', () => {
  assert.equal(resolveEndpoint('http://127.0.0.1:9000/', { AWS_ENDPOINT_URL: 'http://a:1' }), 'http://127.0.0.1:9000');
  assert.equal(resolveEndpoint(undefined, { AWS_ENDPOINT_URL: 'http://a:1', S3_ENDPOINT: 'http://b:2' }), 'http://a:1');
  assert.equal(resolveEndpoint(undefined, { S3_ENDPOINT: 'https://obs.example' }), 'https://obs.example');
  assert.equal(resolveEndpoint(undefined, {}), undefined);
  assert.throws(() => resolveEndpoint('ftp://x', {}), new ConfigError('Expected an http:// or https:// URL like http://127.0.0.1:9000 for s3_endpoint but received ftp://x'));
});

test('S3 failures sort into what can be retried and what cannot', () => {
  const answer = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  assert.equal(classify(answer('NoSuchBucket', 404)), 'no-bucket');
  assert.equal(classify(answer('NotFound', 404)), 'no-object');
  assert.equal(classify(answer('SignatureDoesNotMatch', 403)), 'credentials');
  assert.equal(classify(answer('InvalidAccessKeyId', 403)), 'credentials');
  assert.equal(classify(answer('AccessDenied', 403)), 'denied');
  assert.equal(classify(answer('SlowDown', 503)), 'server');
  assert.equal(classify(answer('InternalError', 500)), 'server');
  assert.equal(classify(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), 'unreachable');
  assert.equal(classify(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })])), 'unreachable');
  assert.equal(classify(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), 'unreachable');
  const network = (code: string) => Object.assign(new Error(code), { code });
  for (const [e, transient] of [[network('ECONNRESET'), true], [network('EAI_AGAIN'), true], [network('ENOTFOUND'), false], [answer('SlowDown', 503), true], [answer('NoSuchBucket', 404), false], [answer('SignatureDoesNotMatch', 403), false]] as const) assert.equal(isTransient(e), transient);
});
