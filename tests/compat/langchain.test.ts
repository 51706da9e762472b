/** LangChain's QdrantVectorStore, with a deterministic fake embedding, adds and finds documents. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { QdrantVectorStore } from '@langchain/qdrant';
import { Embeddings } from '@langchain/core/embeddings';
import { Document } from '@langchain/core/documents';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';

/** Bag-of-letters embedding: similar words get similar vectors, and it needs no network. */
class LetterEmbeddings extends Embeddings {
  constructor() {
    super({});
  }
  private embed(text: string): number[] {
    const v = new Array<number>(26).fill(0);
    for (const ch of text.toLowerCase()) {
      const i = ch.charCodeAt(0) - 97;
      if (i >= 0 && i < 26) v[i]! += 1;
    }
    return v;
  }
  embedDocuments(texts: string[]): Promise<number[][]> {
    return Promise.resolve(texts.map((t) => this.embed(t)));
  }
  embedQuery(text: string): Promise<number[]> {
    return Promise.resolve(this.embed(text));
  }
}

describe('LangChain QdrantVectorStore', () => {
  let server: ChildServer;
  let dir: string;
  before(async () => {
    dir = tempDir('quiver-langchain-');
    server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage` });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  it('adds documents and finds the most similar one, with metadata', async () => {
    const store = await QdrantVectorStore.fromDocuments(
      [
        new Document({ pageContent: 'apples and bananas', metadata: { fruit: true } }),
        new Document({ pageContent: 'zebra xylophone', metadata: { fruit: false } }),
        new Document({ pageContent: 'quick brown fox', metadata: { fruit: false } }),
      ],
      new LetterEmbeddings(),
      { url: server.url, collectionName: 'lc' },
    );
    const hits = await store.similaritySearch('bananas and apples', 1);
    assert.equal(hits.length, 1);
    assert.equal(hits[0]?.pageContent, 'apples and bananas');
    assert.deepEqual(hits[0]?.metadata, { fruit: true });
    const withScore = await store.similaritySearchWithScore('zebra', 2);
    assert.equal(withScore[0]?.[0].pageContent, 'zebra xylophone');
    const filtered = await store.similaritySearch('apples', 3, { must: [{ key: 'metadata.fruit', match: { value: false } }] });
    assert.ok(filtered.length === 2 && filtered.every((d) => d.metadata['fruit'] === false));
  });
});
