import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { downloadToCache, sha256 } from '../../src/data/download.js';
import { ensureFashionMnist, FashionMnistNotFoundError, loadFashionMnist } from '../../src/data/fashion-mnist.js';
import { encodeIdx } from '../../src/data/idx.js';

/** Four tiny Fashion-MNIST-shaped files: 3 training images of 2x2, 2 test images. */
function fakeFiles(): Record<string, Uint8Array> {
  return {
    'train-images-idx3-ubyte.gz': encodeIdx({ type: 'uint8', shape: [3, 2, 2], data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }, { gzip: true }),
    'train-labels-idx1-ubyte.gz': encodeIdx({ type: 'uint8', shape: [3], data: [9, 0, 4] }, { gzip: true }),
    't10k-images-idx3-ubyte.gz': encodeIdx({ type: 'uint8', shape: [2, 2, 2], data: [1, 1, 2, 2, 3, 3, 4, 4] }, { gzip: true }),
    't10k-labels-idx1-ubyte.gz': encodeIdx({ type: 'uint8', shape: [2], data: [1, 2] }, { gzip: true }),
  };
}

function checksumsOf(files: Record<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, sha256(gunzipSync(bytes))]));
}

type Handler = (name: string, res: import('node:http').ServerResponse) => void;

/** A local server on 127.0.0.1 (port 0: any free one); `requests` counts what it was asked. */
async function serve(handler: Handler): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '').split('/').pop() ?? '';
    requests.push(name);
    handler(name, res);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mirror/`,
    requests,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

function serveFiles(files: Record<string, Uint8Array>): Handler {
  return (name, res) => {
    const bytes = files[name];
    if (!bytes) { res.writeHead(404).end('not here'); return; }
    res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
  };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'caviar-dl-'));
}

test('ensureFashionMnist downloads the four files once into the cache, and the cache then loads', async () => {
  const files = fakeFiles();
  const server = await serve(serveFiles(files));
  const cacheDir = tempDir();
  try {
    const options = { url: server.url, cacheDir, checksums: checksumsOf(files), searchPath: [] };
    const fetched: string[] = [];
    assert.equal(await ensureFashionMnist({ ...options, onDownload: (name) => fetched.push(name) }), cacheDir);
    assert.deepEqual([...server.requests].sort(), Object.keys(files).sort());
    assert.deepEqual(fetched.sort(), Object.keys(files).sort());
    assert.deepEqual(readdirSync(cacheDir).sort(), Object.keys(files).sort(), 'no temporary file left');
    const train = loadFashionMnist({ split: 'train', dir: cacheDir });
    assert.equal(train.count, 3);
    assert.deepEqual(Array.from(train.y), [9, 0, 4]);
    assert.deepEqual(Array.from(loadFashionMnist({ split: 'test', dir: cacheDir }).x), [1, 1, 2, 2, 3, 3, 4, 4]);

    // A cache hit: the server is not asked again.
    assert.equal(await ensureFashionMnist(options), cacheDir);
    assert.equal(server.requests.length, 4);
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('an installed folder wins: nothing is downloaded', async () => {
  const files = fakeFiles();
  const server = await serve(serveFiles(files));
  const installed = tempDir();
  const cacheDir = tempDir();
  try {
    await downloadToCache({ baseUrl: server.url, cacheDir: installed, files: Object.entries(checksumsOf(files)).map(([name, sha]) => ({ name, sha256: sha })) });
    const asked = server.requests.length;
    assert.equal(await ensureFashionMnist({ url: server.url, cacheDir, checksums: checksumsOf(files), searchPath: [installed] }), installed);
    assert.equal(server.requests.length, asked);
    assert.deepEqual(readdirSync(cacheDir), []);
  } finally {
    await server.close();
    rmSync(installed, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('a checksum mismatch names the file and both checksums, and leaves nothing in the cache', async () => {
  const files = fakeFiles();
  const server = await serve(serveFiles(files));
  const cacheDir = tempDir();
  try {
    const checksums = { 'train-labels-idx1-ubyte.gz': 'ab'.repeat(32) };
    const actual = sha256(gunzipSync(files['train-labels-idx1-ubyte.gz']));
    await assert.rejects(
      ensureFashionMnist({ url: server.url, cacheDir, checksums, searchPath: [] }),
      (e: Error) => {
        assert.ok(e instanceof FashionMnistNotFoundError);
        assert.match(e.message, /checksum mismatch for train-labels-idx1-ubyte\.gz \(SHA-256 of the decompressed bytes\)/);
        assert.ok(e.message.includes(`expected ${'ab'.repeat(32)}, got ${actual}`), e.message);
        assert.ok(e.message.includes(`${server.url}train-labels-idx1-ubyte.gz`), e.message);
        return true;
      },
    );
    assert.deepEqual(readdirSync(cacheDir), []);
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('a server error (404, 500) is a clear error, and the files already verified stay', async () => {
  const files = fakeFiles();
  for (const status of [404, 500]) {
    const server = await serve((name, res) => {
      if (name === 't10k-images-idx3-ubyte.gz') res.writeHead(status, status === 404 ? 'Not Found' : 'Internal Server Error').end();
      else serveFiles(files)(name, res);
    });
    const cacheDir = tempDir();
    try {
      await assert.rejects(
        ensureFashionMnist({ url: server.url, cacheDir, checksums: checksumsOf(files), searchPath: [] }),
        (e: Error) => {
          assert.ok(e.message.includes(`downloading ${server.url}t10k-images-idx3-ubyte.gz: the server answered ${status}`), e.message);
          assert.match(e.message, /apt-get install dataset-fashion-mnist/);
          assert.match(e.message, /CAVIAR_FASHION_MNIST_URL/);
          return true;
        },
      );
      assert.deepEqual(readdirSync(cacheDir).sort(), ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    } finally {
      await server.close();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
});

test('a truncated response is an error and leaves no half file', async () => {
  const files = fakeFiles();
  const name = 'train-images-idx3-ubyte.gz';
  // The server promises the whole length, sends half, and hangs up.
  const server = await serve((n, res) => {
    const bytes = files[n];
    res.writeHead(200, { 'content-length': bytes.length });
    res.write(bytes.subarray(0, bytes.length >> 1));
    setTimeout(() => res.destroy(), 20);
  });
  const cacheDir = tempDir();
  try {
    await assert.rejects(
      downloadToCache({ baseUrl: server.url, cacheDir, files: [{ name, sha256: checksumsOf(files)[name] }] }),
      (e: Error) => {
        assert.equal(e.name, 'DownloadError');
        assert.match(e.message, /train-images-idx3-ubyte\.gz: (the connection broke after \d+ bytes|the response was cut short)/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(cacheDir), []);
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('without a server and without the files, the error says how to get them', async () => {
  const server = await serve(serveFiles({}));
  const url = server.url;
  await server.close(); // nothing listens on that port now
  const cacheDir = tempDir();
  try {
    await assert.rejects(ensureFashionMnist({ url, cacheDir, searchPath: ['/nonexistent/fashion-mnist'] }), (e: Error) => {
      assert.ok(e instanceof FashionMnistNotFoundError);
      assert.match(e.message, /looked in \/nonexistent\/fashion-mnist, .*, and the download failed: downloading http:\/\/127\.0\.0\.1:\d+\/mirror\/\S+: cannot connect \(ECONNREFUSED\)/);
      assert.match(e.message, /apt-get install dataset-fashion-mnist/);
      assert.match(e.message, /CAVIAR_DATA_DIR/);
      assert.match(e.message, /CAVIAR_FASHION_MNIST_URL/);
      return true;
    });
    await assert.rejects(ensureFashionMnist({ url: '', cacheDir, searchPath: [] }), /downloads are off \(CAVIAR_FASHION_MNIST_URL is empty\)/);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
