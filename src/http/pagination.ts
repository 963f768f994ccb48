import Joi from 'joi';

/** Izanami's list answer: `{"results": […], "metadata": {page, pageSize, count, nbPages}}`, pages from 1. */
export interface Page<T> {
  results: T[];
  metadata: { page: number; pageSize: number; count: number; nbPages: number };
}

export const pageQuerySchema = Joi.object({
  page: Joi.number().integer().min(1).max(1_000_000).default(1),
  pageSize: Joi.number().integer().min(1).max(1000).default(15),
  pattern: Joi.string().max(1024).allow(''),
}).unknown(true);

export function paginate<T>(items: readonly T[], page: number, pageSize: number): Page<T> {
  const start = (page - 1) * pageSize;
  return {
    results: items.slice(start, start + pageSize),
    metadata: { page, pageSize, count: items.length, nbPages: Math.ceil(items.length / pageSize) },
  };
}
