// Parses spec/asyncapi.yaml with the official AsyncAPI parser (external $refs into
// spec/openapi.yaml included) and exits non-zero on any error-severity diagnostic.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Parser, fromFile, DiagnosticSeverity } from '@asyncapi/parser';

const here = path.dirname(fileURLToPath(import.meta.url));
const target = path.resolve(process.argv[2] ?? path.join(here, '..', '..', 'spec', 'asyncapi.yaml'));

const parser = new Parser();
const { document, diagnostics } = await fromFile(parser, target).parse();

const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
for (const d of diagnostics) {
  const where = d.path && d.path.length ? d.path.join('/') : '(document)';
  const level = d.severity === DiagnosticSeverity.Error ? 'error' : 'warning';
  console.log(`${level} ${d.code} at ${where}: ${d.message}`);
}
if (errors.length || !document) {
  console.error(`${target}: ${errors.length} error(s)`);
  process.exit(1);
}
console.log(`${target}: valid AsyncAPI ${document.version()}, ${document.operations().length} operations, ` +
            `${document.channels().length} channels`);
