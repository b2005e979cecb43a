import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** A policy statement that allows an action on a resource containing '*'. */
export interface WildcardGrant {
  /** Logical id of the AWS::IAM::Policy (or role with inline policy). */
  readonly policy: string;
  readonly actions: string[];
  /** The resource as a readable string: tokens become `<LogicalId.Attr>` / `${Ref}`. */
  readonly resource: string;
}

/** Renders a CloudFormation value as a readable string (Fn::Join, Fn::GetAtt, Ref). */
export function show(value: any): string {
  if (typeof value === 'string') { return value; }
  if (value?.['Fn::Join']) { return value['Fn::Join'][1].map(show).join(value['Fn::Join'][0]); }
  if (value?.['Fn::GetAtt']) { return `<${value['Fn::GetAtt'].join('.')}>`; }
  if (value?.Ref) { return `\${${value.Ref}}`; }
  return JSON.stringify(value);
}

/** Every Allow statement of every IAM policy in the stack. */
export function allowStatements(stack: Stack): { policy: string; actions: string[]; resources: string[]; condition?: any }[] {
  const template = Template.fromStack(stack);
  const out: { policy: string; actions: string[]; resources: string[]; condition?: any }[] = [];
  const add = (policy: string, doc: any) => {
    for (const st of doc?.Statement ?? []) {
      if (st.Effect !== 'Allow') { continue; }
      const actions = [st.Action].flat().filter(Boolean);
      const resources = [st.Resource ?? []].flat().map(show);
      out.push({ policy, actions, resources, condition: st.Condition });
    }
  };
  for (const [id, res] of Object.entries<any>(template.findResources('AWS::IAM::Policy'))) {
    add(id, res.Properties.PolicyDocument);
  }
  for (const [id, res] of Object.entries<any>(template.findResources('AWS::IAM::Role'))) {
    for (const p of res.Properties.Policies ?? []) { add(id, p.PolicyDocument); }
  }
  return out;
}

/** Every (actions, resource) pair whose resource contains a wildcard. */
export function wildcardGrants(stack: Stack): WildcardGrant[] {
  return allowStatements(stack).flatMap(st => st.resources
    .filter(r => r.includes('*'))
    .map(resource => ({ policy: st.policy, actions: st.actions, resource })));
}
