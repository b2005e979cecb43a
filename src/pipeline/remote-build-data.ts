import { PhysicalName, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledgeWildcards } from '../private/nag';

/**
 * How the image build reaches the data of an environment in another account or region: the
 * `remote` field of its `DEPLOY_ENVIRONMENT_<NAME>` variable (all literals, known at synth).
 *
 * Internal module: not exported from the package entry point.
 */
export interface RemoteBuildData {
  /** The role the build assumes (in the environment's account). */
  readonly roleArn: string;
  /** The SSM parameter (in the environment's account and region) that holds the environment's build data. */
  readonly parameterName: string;
  /** The environment's region. */
  readonly region: string;
}

/** Whether `construct` lives in another account or region than `build`. */
export function isRemote(build: Construct, construct: Construct): boolean {
  const a = Stack.of(build);
  const b = Stack.of(construct);
  return a.account !== b.account || a.region !== b.region;
}

/**
 * Publishes an environment's build data where the image build can read it without long-lived
 * credentials: the build renders `taskdef-<env>.json` from the exact task definition revision CDK
 * registered and writes the environment's hook ARNs into `appspec-<env>.yaml`, values that only
 * exist in the environment's account and region once its stack is deployed (a CloudFormation
 * template cannot reference another account's or region's resources). So the environment's stack
 * writes them, as the same compact JSON the build gets for a local environment, into an SSM
 * parameter of its own, and creates a role the build assumes (sts:AssumeRole from the build's role;
 * temporary credentials only) to read that parameter and, when the build renders the task
 * definition (`describesTaskDefinition`), describe it. An environment whose engine only hands the
 * build data of its own (`buildData`) is published the same way: that data may hold tokens of its stack.
 *
 * The role trusts the build's account, whose build role alone is allowed to assume it (its
 * identity policy names the role), as aws-cdk-lib's cross-account action roles do. Created in
 * `scope` (the environment) as `BuildData` and `BuildDataReader`.
 */
export function publishBuildData(scope: Construct, build: Construct, data: unknown, environmentName: string,
  describesTaskDefinition = true): RemoteBuildData {
  const stack = Stack.of(scope);
  const parameter = new ssm.StringParameter(scope, 'BuildData', {
    // Named after the environment's stack (unique in its account and region), so the build, in
    // another account, can name it; aws-cdk-lib cannot generate SSM parameter names.
    parameterName: `/${stack.stackName}/${environmentName}/build-data`,
    simpleName: false,
    description: `What the image build of ${build.node.path} needs to render the deploy artifacts of ${environmentName}`,
    stringValue: stack.toJsonString(data),
  });
  const role = new iam.Role(scope, 'BuildDataReader', {
    roleName: PhysicalName.GENERATE_IF_NEEDED,
    assumedBy: new iam.AccountPrincipal(Stack.of(build).account),
    description: `Lets the image build of ${build.node.path} read the build data and task definition of ${environmentName}`,
  });
  parameter.grantRead(role);
  if (describesTaskDefinition) {
    // ecs:DescribeTaskDefinition has no resource-level permissions (aws/containers-roadmap#929).
    role.addToPolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeTaskDefinition'], resources: ['*'] }));
    acknowledgeWildcards(role, 'ecs:DescribeTaskDefinition supports no resource-level permissions (Resource::*).', ['Resource::\\*']);
  }
  return { roleArn: role.roleArn, parameterName: `/${stack.stackName}/${environmentName}/build-data`, region: stack.region };
}
