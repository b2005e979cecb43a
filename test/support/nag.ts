import { Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

/** One unsuppressed cdk-nag finding. */
export interface NagFinding {
  readonly level: 'error' | 'warning';
  readonly path: string;
  readonly message: string;
}

/**
 * Runs cdk-nag's AwsSolutionsChecks (2.x, an Aspect) over `stack` and returns every unsuppressed
 * finding. Call it before the stack is synthesized by anything else (aspects run once).
 */
export function nagFindings(stack: Stack): NagFinding[] {
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  const annotations = Annotations.fromStack(stack);
  const pick = (level: 'error' | 'warning') => (level === 'error'
    ? annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))
    : annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')))
    .map(m => ({ level, path: m.id, message: String(m.entry.data).split('\n')[0] }));
  return [...pick('error'), ...pick('warning')];
}
