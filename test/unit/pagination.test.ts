import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pageQuerySchema, paginate } from '../../src/http/pagination.js';

// CONTRACT.md, Webhooks: `?pattern=&page=&pageSize=`, pages from 1, default size 15 → `{"results": […],
// "metadata": {"page", "pageSize", "count", "nbPages"}}`, as Izanami answers.

const ITEMS = Array.from({ length: 40 }, (_, i) => `item-${i}`);

describe('paginate', () => {
  it('gives the first page and the metadata', () => {
    assert.deepEqual(paginate(ITEMS, 1, 15), {
      results: ITEMS.slice(0, 15),
      metadata: { page: 1, pageSize: 15, count: 40, nbPages: 3 },
    });
  });

  it('the last page holds the remainder', () => {
    const page = paginate(ITEMS, 3, 15);
    assert.deepEqual(page.results, ITEMS.slice(30));
    assert.equal(page.results.length, 10);
    assert.equal(page.metadata.nbPages, 3);
  });

  it('a page past the end is empty, with the true count', () => {
    assert.deepEqual(paginate(ITEMS, 4, 15), {
      results: [],
      metadata: { page: 4, pageSize: 15, count: 40, nbPages: 3 },
    });
  });

  it('the pages together hold every item once, in order', () => {
    for (const size of [1, 7, 15, 39, 40, 41, 1000]) {
      const { nbPages } = paginate(ITEMS, 1, size).metadata;
      const all = Array.from({ length: nbPages }, (_, i) => paginate(ITEMS, i + 1, size).results).flat();
      assert.deepEqual(all, ITEMS, `pageSize ${size}`);
      assert.equal(nbPages, Math.ceil(40 / size));
    }
  });

  it('a count that divides evenly has no empty last page', () => {
    assert.equal(paginate(ITEMS.slice(0, 30), 1, 15).metadata.nbPages, 2);
    assert.equal(paginate(ITEMS.slice(0, 31), 1, 15).metadata.nbPages, 3);
  });

  it('nothing to list: no results, no pages', () => {
    assert.deepEqual(paginate([], 1, 15), {
      results: [],
      metadata: { page: 1, pageSize: 15, count: 0, nbPages: 0 },
    });
  });

  it('does not change the list it is given', () => {
    const items = [...ITEMS];
    paginate(items, 2, 15).results.pop();
    assert.deepEqual(items, ITEMS);
  });
});

describe('pageQuerySchema', () => {
  it('defaults to page 1 of 15', () => {
    const { value, error } = pageQuerySchema.validate({});
    assert.equal(error, undefined);
    assert.equal(value.page, 1);
    assert.equal(value.pageSize, 15);
  });

  it('reads numbers from the query string', () => {
    const { value, error } = pageQuerySchema.validate({ page: '3', pageSize: '50', pattern: 'demo:*' });
    assert.equal(error, undefined);
    assert.deepEqual(value, { page: 3, pageSize: 50, pattern: 'demo:*' });
  });

  it('accepts an empty pattern and other parameters', () => {
    const { error } = pageQuerySchema.validate({ pattern: '', other: 'x' });
    assert.equal(error, undefined);
  });

  for (const [query, field] of [
    [{ page: '0' }, 'page'],
    [{ page: '-1' }, 'page'],
    [{ page: '1.5' }, 'page'],
    [{ page: 'first' }, 'page'],
    [{ pageSize: '0' }, 'pageSize'],
    [{ pageSize: '1001' }, 'pageSize'],
    [{ pattern: 'x'.repeat(1025) }, 'pattern'],
  ] as const) {
    it(`refuses ${JSON.stringify(query)}`, () => {
      const { error } = pageQuerySchema.validate(query, { abortEarly: false });
      assert.ok(error);
      assert.deepEqual(
        error.details.map((d) => d.path.join('.')),
        [field],
      );
    });
  }

  it('accepts the largest page size', () => {
    assert.equal(pageQuerySchema.validate({ pageSize: '1000' }).value.pageSize, 1000);
  });
});
