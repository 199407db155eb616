// Makes schema refusals name the field at fault the way a caller reads it: `messages[3].to: is required`.

import type { FastifySchemaValidationError } from 'fastify';

export function describeValidationErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  if (!first) return new Error(`${dataVar} is invalid`);
  let path = first.instancePath;
  let problems: string[];
  if (first.keyword === 'required') {
    path = `${path}/${(first.params as { missingProperty: string }).missingProperty}`;
    problems = ['is required'];
  } else {
    // A union (anyOf) fails once per branch: say every accepted form for that one field.
    const samePath = errors.filter((e) => e.instancePath === first.instancePath && e.keyword !== 'anyOf');
    problems = [...new Set(samePath.map((e) => e.message ?? 'is invalid'))];
  }
  const message = `${readablePath(path, dataVar)}: ${joinProblems(problems)}`;
  return Object.assign(new Error(message), { validation: errors, statusCode: 400 });
}

function readablePath(pointer: string, dataVar: string): string {
  const parts = pointer.split('/').slice(1);
  if (parts.length === 0) return dataVar;
  return parts
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function joinProblems(problems: string[]): string {
  if (problems.every((p) => p.startsWith('must be '))) {
    return `must be ${problems.map((p) => p.slice('must be '.length)).join(' or ')}`;
  }
  return problems.join('; ');
}
