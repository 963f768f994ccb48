import type Joi from 'joi';
import { RelayError } from '../errors/catalogue.js';

/** Validates with joi, listing every problem in one 400. */
export function validate<T>(schema: Joi.Schema<T>, value: unknown, what: string): T {
  const { value: valid, error } = schema.validate(value, { abortEarly: false, stripUnknown: false });
  if (error) {
    const details = error.details.map((d) => ({ path: d.path.join('.'), message: d.message }));
    throw new RelayError(
      'RELAY_ERR_VALIDATION',
      `The ${what} is invalid: ${details.length} problem(s)`,
      details,
    );
  }
  return valid as T;
}

/** A query parameter given once or more, joined with commas (`?patterns=a&patterns=b` = `a,b`). */
export function queryList(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
