import { Annotations, CfnResource, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { EcsCiCdPipelineProps, EnvironmentOptions } from './pipeline-props';
import { acknowledgeWildcards } from '../private/nag';

/**
 * Where one environment of a pipeline lives. Decided here, once; the building blocks get `scope`
 * and never ask which account they are in.
 *
 * Internal module: not exported from the package entry point.
 */
export interface EnvironmentPlacement {
  /** Where the environment's constructs go: the pipeline construct, or the root of its own stack. */
  readonly scope: Construct;
  /** The environment's own stack; undefined when it lives in the pipeline's stack. */
  readonly stack?: Stack;
  /** In another account than the pipeline. */
  readonly crossAccount: boolean;
  /** In another region than the pipeline. */
  readonly crossRegion: boolean;
  /**
   * In another account or region: the pipeline's stack may not read the environment's attributes
   * (its URL, its deployment group), and nothing the pipeline's stack creates sees its events.
   */
  readonly remote: boolean;
}

/** CloudFormation's limit of resources per stack (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). */
export const MAX_RESOURCES_PER_STACK = 500;
/** aws-cdk-lib's context key for that limit (core/lib/stack.js). */
const RESOURCE_LIMIT_CONTEXT = '@aws-cdk/core:stackResourceLimit';

const ACCOUNT = /^\d{12}$/;
/** CloudFormation's stack names (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html). */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * The name of an environment's own stack: `<pipeline stack name>-<pipeline id>-<environment>`,
 * e.g. `Delivery-Shop-prod`. The stack's construct id is the same with the pipeline stack's id
 * in place of its name, so `cdk deploy Delivery-Shop-prod` finds it.
 */
export function environmentStackName(pipelineStack: Stack, pipelineId: string, environmentName: string): string {
  return `${pipelineStack.stackName}-${pipelineId}-${environmentName}`;
}

/**
 * Validates `account`, `region` and `stackPerEnvironment` and creates the environments' own stacks
 * (siblings of the pipeline's stack: same parent, App or Stage). An environment gets one when
 * `stackPerEnvironment` is set or its account or region differs from the pipeline stack's.
 */
export function placeEnvironments(pipeline: Construct, props: EcsCiCdPipelineProps, envs: EnvironmentOptions[]): EnvironmentPlacement[] {
  const pipelineStack = Stack.of(pipeline);
  const agnosticAccount = Token.isUnresolved(pipelineStack.account);
  const agnosticRegion = Token.isUnresolved(pipelineStack.region);
  return envs.map((env, i) => {
    const prefix = `environments[${i}].`;
    for (const [prop, value, pattern, allowed] of [
      ['account', env.account, ACCOUNT, 'a 12-digit AWS account id'],
      ['region', env.region, REGION, 'an AWS region such as eu-west-1'],
    ] as const) {
      if (value === undefined) { continue; }
      if (Token.isUnresolved(value) || !pattern.test(value)) {
        throw new Error(`${prefix}${prop} (${JSON.stringify(value)}) must be ${allowed}, written out: CodePipeline needs the target of a cross-account or cross-region action at synth`);
      }
      const agnostic = prop === 'account' ? agnosticAccount : agnosticRegion;
      if (agnostic) {
        throw new Error(`${prefix}${prop} ('${value}') needs a pipeline stack with a concrete ${prop}, but stack '${pipelineStack.stackName}' is environment-agnostic: `
          + `give it env: { account: '111111111111', region: 'eu-west-1' } (cross-account and cross-region pipelines need the pipeline's own account and region), or drop ${prop}`);
      }
    }
    const crossAccount = env.account !== undefined && env.account !== pipelineStack.account;
    const crossRegion = env.region !== undefined && env.region !== pipelineStack.region;
    const remote = crossAccount || crossRegion;
    if (remote) {
      rejectPipelineSideFeatures(env, prefix, `'${env.name}': ${env.account ?? pipelineStack.account}/${env.region ?? pipelineStack.region}`);
    }
    if (!remote && !props.stackPerEnvironment) {
      return { scope: pipeline, crossAccount, crossRegion, remote };
    }
    const parent = pipelineStack.node.scope;
    if (!parent) {
      throw new Error(`environments[${i}] ('${env.name}') needs a stack of its own, a sibling of the pipeline's stack '${pipelineStack.stackName}', which has no parent (an App or Stage)`);
    }
    const concrete = !agnosticAccount && !agnosticRegion;
    const stackName = environmentStackName(pipelineStack, pipeline.node.id, env.name);
    if (!STACK_NAME.test(stackName)) {
      throw new Error(`environments[${i}] ('${env.name}') needs a stack of its own, named '${stackName}' (<pipeline stack>-<pipeline id>-<environment>), `
        + 'which is not a CloudFormation stack name (letters, digits and hyphens, starting with a letter, at most 128 characters): '
        + `give the pipeline construct an id of letters, digits and hyphens (got '${pipeline.node.id}') and keep the names short`);
    }
    const stack = new Stack(parent, `${pipelineStack.node.id}-${pipeline.node.id}-${env.name}`, {
      stackName,
      env: concrete ? { account: env.account ?? pipelineStack.account, region: env.region ?? pipelineStack.region } : undefined,
      description: `Environment ${env.name} of pipeline ${pipeline.node.path}`,
    });
    return { scope: stack, stack, crossAccount, crossRegion, remote };
  });
}

/**
 * The features the pipeline's stack carries out for an environment, which cannot reach an
 * environment in another account or region: rejected there, naming the prop.
 */
function rejectPipelineSideFeatures(env: EnvironmentOptions, prefix: string, where: string): void {
  if (env.integrationTestCommands?.length) {
    // They run in CodeBuild in the pipeline's account and region, in the environment's VPC, with
    // the environment's URL: none of which that account and region can reach or know at synth.
    throw new Error(`${prefix}integrationTestCommands is not supported for an environment in another account or region (${where}): `
      + 'the tests run in CodeBuild in the pipeline\'s account and region; '
      + 'test it with hooks (e.g. a smoke test) that run in its own account, or drop integrationTestCommands');
  }
  if (env.manualRerouteTimeout) {
    // The notice that a deployment waits comes from an EventBridge rule in the pipeline's stack
    // (blue-green/codedeploy/manual-reroute.ts), which sees only its own account's and region's
    // deployments: nobody would be told, and the deployment would roll back after the wait.
    throw new Error(`${prefix}manualRerouteTimeout (${env.manualRerouteTimeout.toHumanString()}) is not supported for an environment in another account `
      + `or region (${where}): the message that tells the approvers a deployment waits for them comes from the pipeline's account and region, `
      + 'which never see that environment\'s deployments; drop manualRerouteTimeout (the approval before the stage still applies)');
  }
}

/**
 * The VPC of an environment in its own stack: its own `vpc`, else the pipeline's `vpc` when that
 * one can be shared (same account and region, and not created in the pipeline's stack, which
 * depends on the environments' stacks: sharing it would make a cycle), else undefined (the
 * environment creates one in its stack).
 */
export function sharableVpc(props: EcsCiCdPipelineProps, placement: EnvironmentPlacement, pipelineStack: Stack, i: number): ec2.IVpc | undefined {
  const vpc = props.vpc;
  if (!vpc || placement.crossAccount || placement.crossRegion) { return undefined; }
  if (Stack.of(vpc) === pipelineStack && hasResources(vpc)) {
    throw new Error(`vpc (${vpc.node.path}) is created in the pipeline's stack, which deploys after the environments' own stacks (environments[${i}] and others): `
      + 'create it in a stack of its own, import it (ec2.Vpc.fromLookup), or give the environments their own vpc');
  }
  return vpc;
}

function hasResources(construct: IConstruct): boolean {
  return construct.node.findAll().some(c => CfnResource.isCfnResource(c));
}

/**
 * Counts each stack's resources once the tree is complete and fails when one passes
 * CloudFormation's 500: the message names `stackPerEnvironment`.
 */
export function validateResourceCount(stack: Stack, stackPerEnvironment: boolean): void {
  stack.node.addValidation({
    validate: () => {
      // aws-cdk-lib checks the same limit later, in synthesis, without saying what to do; both honour
      // the context key '@aws-cdk/core:stackResourceLimit' (0 turns the check off).
      const limit = Number(stack.node.tryGetContext(RESOURCE_LIMIT_CONTEXT) ?? MAX_RESOURCES_PER_STACK);
      const count = countResources(stack);
      if (limit === 0 || count <= limit) { return []; }
      return [`stack '${stack.stackName}' has ${count} resources; CloudFormation accepts at most ${limit} per stack: `
        + (stackPerEnvironment
          ? 'stackPerEnvironment is already true, so one environment or the pipeline alone is too large: give it fewer resources (e.g. share a vpc)'
          : 'set stackPerEnvironment: true to give every environment a stack of its own')];
    },
  });
}

/** The CloudFormation resources of `stack` (not of nested or sibling stacks). */
export function countResources(stack: Stack): number {
  return stack.node.findAll().filter(c => CfnResource.isCfnResource(c) && Stack.of(c) === stack).length;
}

const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

/**
 * Lets the execution role of an environment in its own stack pull from the pipeline's repository
 * without making that stack depend on the pipeline's: the repository's policy names the role (the
 * least privilege for another account: that role, not the account). Across accounts IAM wants the
 * identity policy to allow it too: the pipeline account's repositories, whose own policies then
 * decide (the generated repository name is not known in the other account's template). Across
 * regions the tasks pull from the pipeline's region (cross-region pull, no replication: see README
 * "Environments in other accounts and regions").
 */
export function grantPullAcrossStacks(repository: ecr.IRepository, puller: iam.IGrantable, placement: EnvironmentPlacement,
  environmentName: string): void {
  const added = repository.addToResourcePolicy(new iam.PolicyStatement({
    principals: [puller.grantPrincipal],
    actions: PULL_ACTIONS,
  })).statementAdded;
  if (!added && placement.crossAccount) {
    Annotations.of(repository).addWarningV2('cdk-ecs-cicd-pipeline:crossAccountPullNotGranted',
      `repository (${repository.node.path}) was not created by this construct, so its policy cannot be changed here: let the execution role of `
      + `environment '${environmentName}' (account ${Stack.of(placement.scope).account}) pull (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, `
      + 'ecr:BatchCheckLayerAvailability) in the repository\'s own policy, or its tasks cannot start');
  }
  const cfnRepository = repository instanceof ecr.Repository ? repository.node.defaultChild as ecr.CfnRepository : undefined;
  const encryption = cfnRepository && Stack.of(repository).resolve(cfnRepository.encryptionConfiguration)?.encryptionType;
  if (placement.crossAccount && typeof encryption === 'string' && encryption.startsWith('KMS')) {
    Annotations.of(repository).addWarningV2('cdk-ecs-cicd-pipeline:crossAccountRepositoryKey',
      `repositoryEncryption: images encrypted with a KMS key are pulled by environment '${environmentName}' in another account only if the key's `
      + 'policy lets its execution role decrypt; with an AWS managed key (aws/ecr) that is impossible: use AES_256 or a customer managed key');
  }
  // A registry-level action: no resource-level permissions.
  puller.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
  if (placement.crossAccount || placement.crossRegion || !added) {
    const repositoryStack = Stack.of(repository);
    const resource = placement.crossAccount || placement.crossRegion
      ? repositoryStack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })
      : repository.repositoryArn;
    puller.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: PULL_ACTIONS, resources: [resource] }));
    if (Construct.isConstruct(puller.grantPrincipal)) {
      acknowledgeWildcards(puller.grantPrincipal,
        'Pulling across accounts needs the identity policy too: the pipeline account\'s repositories (repository/*), of which only those whose '
        + 'policy names this role admit it (the pipeline\'s names it); the generated repository name is unknown in this account\'s template.',
        ['Resource::arn:<AWS::Partition>:ecr:[a-z0-9-]+:\\d{12}:repository/\\*']);
    }
  }
}
