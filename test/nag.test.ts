import { App, ArnFormat, CfnResource, Stack, StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { ShopPipelineStack } from '../examples/app';
import { EcsCiCdPipeline, PipelineSource } from '../src';
import { nagFindings } from './support/nag';
import { acknowledge, acknowledgeWildcards, useValidationsApi, validationsApi } from '../src/private/nag';
import {
  envLiteral, envPattern, flattenCfnReference, managedPolicyFindings, matchingFindingIds, wildcardFindings,
} from '../src/private/nag-findings';
import { BlueGreenFargateService } from '../src/service/blue-green-fargate-service';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const ACKNOWLEDGED = 'aws:cdk:acknowledged-rules';

/** The exact ids acknowledged on `construct` the cdk-nag 3 way (construct metadata, as cdk-nag 3 reads it), without aws-cdk-lib's namespace prefix. */
function v3Acknowledged(construct: IConstruct): string[] {
  const ids: string[] = [];
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    for (const entry of c.node.metadata) {
      if (entry.type === ACKNOWLEDGED) { ids.push(...Object.keys(entry.data).map(k => k.replace(/^annotation::/i, ''))); }
    }
  }
  return ids;
}

/**
 * Emulates cdk-nag 3's IAM4/IAM5 check on a synthesized app: every finding of every IAM resource
 * that is not acknowledged, as cdk-nag 3 would report it (`rule[finding]` at the resource's path).
 */
function unacknowledgedIamFindings(root: IConstruct): string[] {
  const out: string[] = [];
  for (const c of root.node.findAll()) {
    if (!(c instanceof CfnResource)) { continue; }
    const acked = v3Acknowledged(c);
    const ids = [
      ...wildcardFindings(c).map(f => `AwsSolutions-IAM5[${f}]`),
      ...managedPolicyFindings(c).map(f => `AwsSolutions-IAM4[${f}]`),
    ];
    out.push(...ids.filter(id => !acked.includes(id)).map(id => `${c.node.path}: ${id}`));
  }
  return out;
}

function httpsPipelineStack(props?: StackProps): Stack {
  const stack = new Stack(new App(), 'Https', props);
  new EcsCiCdPipeline(stack, 'Shop', {
    source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc' }),
    unitTestCommands: ['npm test'],
    notificationEmails: ['platform@acme.example'],
    environments: [
      { name: 'dev', integrationTestCommands: ['curl -fsS "$SERVICE_URL/health"'] },
      {
        name: 'prod',
        production: true,
        requireApproval: true,
        approvalEmails: ['ops@acme.example'],
        certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f'),
        integrationTestCommands: ['curl -fsS "$SERVICE_URL/health"'],
      },
    ],
  });
  return stack;
}

describe('cdk-nag 2 in stacks with an explicit account and region', () => {
  test('the example pipeline has no unsuppressed errors or warnings', () => {
    // GIVEN the example pipeline in a stack with env: { account, region } (ARNs carry the literal region and account)
    const shop = new ShopPipelineStack(new App(), 'Shop', { env: ENV });
    // WHEN AwsSolutionsChecks runs
    const findings = nagFindings(shop);
    // THEN nothing is reported
    expect(findings.map(f => `${f.level} ${f.path}: ${f.message}`)).toEqual([]);
  });

  test('a pipeline with an HTTPS environment and partition literals has no unsuppressed errors or warnings', () => {
    // GIVEN `cdk init`'s partition-literal flag: the partition is literal too (arn:aws:...)
    const stack = new Stack(new App({ context: { '@aws-cdk/core:enablePartitionLiterals': true } }), 'Lit', { env: ENV });
    new EcsCiCdPipeline(stack, 'Shop', {
      source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc' }),
      environments: [{ name: 'dev', integrationTestCommands: ['true'] }],
    });
    // WHEN / THEN
    expect(nagFindings(stack).map(f => `${f.level} ${f.path}: ${f.message}`)).toEqual([]);
    expect(nagFindings(httpsPipelineStack({ env: ENV })).map(f => `${f.level} ${f.path}: ${f.message}`)).toEqual([]);
  });

  test('a standalone service has no unsuppressed errors or warnings', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Svc', { env: ENV });
    new BlueGreenFargateService(stack, 'Svc');
    // WHEN / THEN
    expect(nagFindings(stack).map(f => `${f.level} ${f.path}: ${f.message}`)).toEqual([]);
  });
});

describe('finding patterns follow the stack', () => {
  test('region, account and partition are literal in an env-specific stack and pseudo parameters otherwise', () => {
    // GIVEN
    const agnostic = new Stack(new App(), 'A');
    const specific = new Stack(new App({ context: { '@aws-cdk/core:enablePartitionLiterals': true } }), 'B', { env: ENV });
    const pattern = 'Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/x:\\*';
    // WHEN / THEN an env-agnostic stack keeps the pattern as written
    expect(envPattern(agnostic, pattern)).toBe(pattern);
    // THEN an env-specific one accepts the literal values as well
    const re = new RegExp(`^${envPattern(specific, pattern)}$`);
    expect(re.test('Resource::arn:aws:logs:eu-west-1:123456789012:log-group:/x:*')).toBe(true);
    expect(re.test('Resource::arn:<AWS::Partition>:logs:eu-west-1:123456789012:log-group:/x:*')).toBe(true);
    expect(re.test('Resource::arn:aws:logs:us-east-1:123456789012:log-group:/x:*')).toBe(false);
    expect(envLiteral(specific, 'Policy::arn:<AWS::Partition>:iam::aws:policy/P')).toBe('Policy::arn:aws:iam::aws:policy/P');
  });

  test('findings are rendered the way cdk-nag renders them', () => {
    // GIVEN a role with a wildcard action, a wildcard resource, an ARN built from tokens and an AWS managed policy
    const stack = new Stack(new App(), 'S', { env: ENV });
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:Get*'], resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/a:*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    role.addToPolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['s3:*'], resources: ['*'] }));
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as CfnResource;
    // WHEN / THEN (Deny statements are not findings)
    expect(wildcardFindings(policy).sort()).toEqual([
      'Action::s3:Get*',
      'Resource::*',
      'Resource::arn:<AWS::Partition>:logs:eu-west-1:123456789012:log-group:/a:*',
    ]);
    expect(managedPolicyFindings(role.node.defaultChild as CfnResource))
      .toEqual(['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']);
    expect(flattenCfnReference({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket83908E77', 'Arn'] }, '/*']] })).toBe('<Bucket83908E77.Arn>/*');
    expect(flattenCfnReference({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b/*' })).toBe('arn:<AWS::Partition>:s3:::b/*');
    // THEN only findings a pattern matches become exact ids
    expect(matchingFindingIds(policy, 'AwsSolutions-IAM5', [envPattern(policy, 'Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/a:\\*')]))
      .toEqual(['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:eu-west-1:123456789012:log-group:/a:*]']);
  });
});

/**
 * Stands in for the `Validations` of a current aws-cdk-lib (2.276): the dev aws-cdk-lib 2.257 rejects
 * ids with more than one `::`. Records `{ 'Annotation::<id>': reason }` under the same metadata key,
 * as 2.276 does; the packed library meets the real one in `npm run compat`.
 */
const recordingValidations = {
  of: (scope: IConstruct) => ({
    acknowledge: (...rules: Array<{ id: string; reason: string }>) => rules.forEach(r => scope.node.addMetadata(ACKNOWLEDGED, { [`Annotation::${r.id}`]: r.reason })),
  }),
};

describe('cdk-nag 3 acknowledgements (Validations)', () => {
  test('on an aws-cdk-lib that rejects an id, the acknowledgement is recorded where cdk-nag 3 reads it', () => {
    // GIVEN a Validations that rejects granular ids with more than one '::' (aws-cdk-lib 2.257.0 to 2.268.x)
    const rejecting = {
      ACKNOWLEDGED_RULES_METADATA_KEY: ACKNOWLEDGED,
      of: (scope: IConstruct) => ({
        acknowledge: (...rules: Array<{ id: string; reason: string }>) => rules.forEach(r => {
          if (r.id.split('::').length > 2) { throw new Error(`Invalid validation rule ID '${r.id}'`); }
          scope.node.addMetadata(ACKNOWLEDGED, { [`annotation::${r.id}`]: r.reason });
        }),
      }),
    };
    useValidationsApi(rejecting);
    try {
      const stack = httpsPipelineStack();
      // WHEN / THEN
      expect(() => (stack.node.root as App).synth()).not.toThrow();
      expect(unacknowledgedIamFindings(stack)).toEqual([]);
    } finally {
      useValidationsApi(recordingValidations);
    }
  });

  const native = validationsApi();
  beforeAll(() => useValidationsApi(recordingValidations));
  afterAll(() => useValidationsApi(native));

  test('each matching finding is acknowledged by its exact id at synthesis; a new wildcard is not', () => {
    // GIVEN a role with two acknowledged wildcards and one nobody acknowledged
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    acknowledgeWildcards(role, 'ecr:GetAuthorizationToken supports no resource-level permissions.', ['Resource::\\*', 'Action::s3:GetObject\\*']);
    // a grant made after the acknowledgement: still covered when it matches a pattern
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject*', 's3:Put*'], resources: ['arn:aws:s3:::b/k'] }));
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as CfnResource;
    // WHEN the app is synthesized (the ids are derived from the final policy)
    app.synth();
    // THEN
    expect(v3Acknowledged(policy).sort()).toEqual(['AwsSolutions-IAM5[Action::s3:GetObject*]', 'AwsSolutions-IAM5[Resource::*]']);
    expect(unacknowledgedIamFindings(stack)).toEqual(['S/Role/DefaultPolicy/Resource: AwsSolutions-IAM5[Action::s3:Put*]']);
  });

  test('plain and validation-failure acknowledgements map to cdk-nag 3 ids', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const role = new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'), iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')],
    });
    acknowledge(role, 'AwsSolutions-IAM4', 'The AWS-maintained minimum for a Lambda function.', false,
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']);
    acknowledge(role, 'CdkNagValidationFailure', 'A rule cannot evaluate a token here.', false, ['AwsSolutions-EC23']);
    acknowledge(role, 'AwsSolutions-S1', 'A plain rule acknowledgement on the resource.');
    // WHEN
    app.synth();
    // THEN the v3 ids sit on the role's CfnRole; AdministratorAccess stays a finding
    expect(v3Acknowledged(role.node.defaultChild!).sort()).toEqual([
      'AwsSolutions-EC23',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-S1',
    ]);
    expect(unacknowledgedIamFindings(stack)).toEqual(['S/Role/Resource: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AdministratorAccess]']);
  });

  test.each([
    ['env-agnostic', undefined],
    ['env-specific', ENV],
  ])('every IAM4/IAM5 finding of the HTTPS pipeline is acknowledged the cdk-nag 3 way (%s)', (_name, env) => {
    // GIVEN the pipeline with integration tests, e-mails and an HTTPS environment
    const stack = httpsPipelineStack(env ? { env } : undefined);
    // WHEN
    (stack.node.root as App).synth();
    // THEN
    expect(unacknowledgedIamFindings(stack)).toEqual([]);
  });
});
