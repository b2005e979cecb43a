import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, ShopPipelineStack } from '../examples/app';

/**
 * The README's example app, synthesized, must stay the same template: a refactor of the library's
 * insides must not change what a user already deployed (logical IDs above all, since CloudFormation
 * replaces a resource whose logical ID changes). Asset hashes are scrubbed: they change with the
 * bundled handler's bytes, not with the template's shape.
 *
 * A deliberate template change: `UPDATE_EXAMPLE_BASELINE=1 npx jest test/example-app.test.ts`,
 * then review the fixture's diff like code.
 */
const BASELINE = path.join(__dirname, 'fixtures', 'example-app.template.json');

function scrub(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

test('the example app synthesizes the baseline template (logical IDs included)', () => {
  // GIVEN the example app (synthesized into a temporary directory, not cdk.out)
  const app = buildApp();
  const stack = app.node.findChild('ShopPipeline') as ShopPipelineStack;

  // WHEN it is synthesized
  const template = scrub(Template.fromStack(stack).toJSON());

  // THEN it is the committed baseline
  if (process.env.UPDATE_EXAMPLE_BASELINE === '1') {
    fs.writeFileSync(BASELINE, JSON.stringify(template, undefined, 2) + '\n');
  }
  const baseline = JSON.parse(fs.readFileSync(BASELINE, 'utf-8'));
  expect(Object.keys(template as object)).toEqual(Object.keys(baseline));
  expect(Object.keys((template as any).Resources).sort()).toEqual(Object.keys(baseline.Resources).sort());
  expect(template).toEqual(baseline);
});
