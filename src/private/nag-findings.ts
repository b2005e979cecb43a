/**
 * What cdk-nag reports on a resource, computed the way its rules do, and the ARN-pattern helpers
 * the acknowledgements in `nag.ts` match those findings with.
 */
import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

export const IAM5 = 'AwsSolutions-IAM5';
export const IAM4 = 'AwsSolutions-IAM4';

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * The pseudo parameters cdk-nag renders in a finding and the literal the stack of `scope` puts in
 * their place: in a stack with `env: { account, region }` aws-cdk-lib writes the account and region
 * (and, with `@aws-cdk/core:enablePartitionLiterals`, the partition) literally into ARNs it formats
 * (`Stack.formatArn`, `Stack.partition`), in an env-agnostic stack the pseudo parameters.
 */
export function stackLiterals(scope: IConstruct): Record<string, string | undefined> {
  const stack = Stack.of(scope);
  const literal = (value: string) => (Token.isUnresolved(value) ? undefined : value);
  return {
    '<AWS::Partition>': literal(stack.partition),
    '<AWS::Region>': literal(stack.region),
    '<AWS::AccountId>': literal(stack.account),
  };
}

/**
 * Turns a finding pattern written against an env-agnostic stack (a regular expression using
 * `<AWS::Region>`, `<AWS::AccountId>`, `<AWS::Partition>`) into one that also matches the finding in
 * the stack of `scope`, where those parts may be literal (`eu-west-1`, `123456789012`).
 */
export function envPattern(scope: IConstruct, pattern: string): string {
  let out = pattern;
  for (const [pseudo, literal] of Object.entries(stackLiterals(scope))) {
    if (literal === undefined) { continue; }
    out = out.split(pseudo).join(`(?:${pseudo}|${escapeRegex(literal)})`);
  }
  return out;
}

/** `finding` with the pseudo parameters replaced by the literals of the stack of `scope` (when it has them). */
export function envLiteral(scope: IConstruct, finding: string): string {
  let out = finding;
  for (const [pseudo, literal] of Object.entries(stackLiterals(scope))) {
    if (literal !== undefined) { out = out.split(pseudo).join(literal); }
  }
  return out;
}

/**
 * Flattens a resolved CloudFormation value the way cdk-nag renders it in a finding
 * (`Fn::Join` joined, `${X}` and `Ref` as `<X>`, `Fn::GetAtt` as `<Res.Attr>`). A copy of
 * `flattenCfnReference` in cdk-nag (`lib/utils/flatten-cfn-reference.js`, identical in 2.38.2 and
 * 3.0.2, Apache-2.0).
 */
export function flattenCfnReference(reference: unknown): string {
  const visit = (node: any): string => {
    if (typeof node === 'undefined') { return ''; }
    if (typeof node === 'string') { return node.replace(/\${/g, '<').replace(/}/g, '>'); }
    if (node['Fn::Join']) {
      const [delimiter, items] = node['Fn::Join'];
      return items.map(visit).join(delimiter);
    }
    if (node['Fn::Sub']) { return visit(node['Fn::Sub']); }
    if (node['Fn::GetAtt']) {
      const [resource, attribute] = node['Fn::GetAtt'];
      return `<${visit(resource)}.${visit(attribute)}>`;
    }
    if (node['Fn::ImportValue']) { return visit(node['Fn::ImportValue']); }
    if (node.Ref) { return `<${visit(node.Ref)}>`; }
    return JSON.stringify(node);
  };
  return visit(reference);
}

const asArray = (value: unknown): any[] => (Array.isArray(value) ? value : [value]);

/** AwsSolutions-IAM5 findings of one resolved policy document (cdk-nag's `analyzePolicy`). */
export function policyWildcardFindings(document: any): string[] {
  const result = new Set<string>();
  for (const statement of document?.Statement ?? []) {
    if (statement.Effect !== 'Allow') { continue; }
    asArray(statement.Action).filter(a => typeof a === 'string' && a.includes('*')).forEach(a => result.add(`Action::${a}`));
    asArray(statement.Resource).map(flattenCfnReference).filter(r => r.includes('*')).forEach(r => result.add(`Resource::${r}`));
  }
  return [...result];
}

/**
 * The AwsSolutions-IAM5 findings cdk-nag reports on `resource` (cdk-nag `IAMNoWildcardPermissions`):
 * an `AWS::IAM::Policy`/`ManagedPolicy` by its document, a role/user/group by its inline policies.
 */
export function wildcardFindings(resource: CfnResource): string[] {
  const stack = Stack.of(resource);
  const props = resource as unknown as { policyDocument?: unknown; policies?: unknown };
  if (['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(resource.cfnResourceType)) {
    return policyWildcardFindings(stack.resolve(props.policyDocument));
  }
  if (['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'].includes(resource.cfnResourceType)) {
    const findings = new Set<string>();
    for (const policy of asArray(stack.resolve(props.policies) ?? [])) {
      const resolved = stack.resolve(policy);
      policyWildcardFindings(stack.resolve(resolved?.policyDocument)).forEach(f => findings.add(f));
    }
    return [...findings];
  }
  return [];
}

/** The AwsSolutions-IAM4 findings cdk-nag reports on a role/user/group: its AWS managed policies (cdk-nag `IAMNoManagedPolicies`). */
export function managedPolicyFindings(resource: CfnResource): string[] {
  if (!['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'].includes(resource.cfnResourceType)) { return []; }
  const stack = Stack.of(resource);
  const arns = stack.resolve((resource as unknown as { managedPolicyArns?: unknown }).managedPolicyArns);
  if (!arns) { return []; }
  return [...new Set(asArray(arns)
    .map(arn => flattenCfnReference(stack.resolve(arn)))
    .filter(arn => arn.includes(':iam::aws:'))
    .map(arn => `Policy::${arn}`))];
}

/**
 * The exact cdk-nag 3 ids to acknowledge on `resource` for `rule` (IAM4 or IAM5): the findings the
 * resource has now whose text matches one of `patterns` (anchored regular expressions, already
 * adapted to the stack with {@link envPattern}). A finding no pattern matches is left to fail.
 */
export function matchingFindingIds(resource: CfnResource, rule: string, patterns: string[]): string[] {
  const findings = rule === IAM4 ? managedPolicyFindings(resource) : wildcardFindings(resource);
  const regexes = patterns.map(p => new RegExp(`^(?:${p})$`));
  return findings.filter(f => regexes.some(r => r.test(f))).map(f => `${rule}[${f}]`);
}
