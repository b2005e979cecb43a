import * as crypto from 'crypto';
import { CfnResource, CustomResource, Duration, Lazy, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ImageRecordFunction } from './image-record-function';
import { acknowledge, acknowledgeWildcards } from '../../private/nag';

/** Prefix of the SSM parameters that hold the deployed images. */
export const IMAGE_RECORD_PARAMETER_PREFIX = '/cdk-ecs-cicd-pipeline';

/** What an {@link ImageRecord} guards. */
export interface ImageRecordProps {
  /** The environment's service. */
  readonly service: ecs.FargateService;
  /** The service's task definition (its delivered containers read their images from the record). */
  readonly taskDefinition: ecs.TaskDefinition;
  /** The containers whose images the pipeline delivers. */
  readonly containers: ecs.ContainerDefinition[];
}

/**
 * The ECS-native engine's drift guard for images. ECS deployments run by the pipeline register
 * task definition revisions CloudFormation does not know; without this, the next `cdk deploy`
 * that changes the task definition or the service would register (and deploy) the template's
 * image: the bootstrap image, or an older one.
 *
 * - After every completed deployment of the service (EventBridge, `ECS Deployment State Change`),
 *   a function stores the images the service runs in an SSM parameter (`parameterName`).
 * - The delivered containers' `Image` in the task definition is `Fn::GetAtt` of a custom resource
 *   that reads that parameter (the bootstrap image until the pipeline has deployed). Its
 *   properties carry a fingerprint of the task definition and the service, so CloudFormation
 *   re-reads the record whenever it is about to register a task definition or update the service,
 *   and never otherwise.
 */
export class ImageRecord extends Construct {
  /** The SSM parameter that holds the deployed images (created by the first recording). */
  public readonly parameterName: string;
  /** The custom resource whose `Image.<container>` attributes the task definition reads. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ImageRecordProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.parameterName = `${IMAGE_RECORD_PARAMETER_PREFIX}/${stack.stackName}/${Names.uniqueId(this)}`;
    const handler = recordFunction(stack);
    const defaults = Object.fromEntries(props.containers.map(c => [c.containerName, c.imageName]));

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: handler.functionArn,
      resourceType: 'Custom::EcsImageRecord',
      properties: {
        ParameterName: this.parameterName,
        Defaults: stack.toJsonString(defaults),
        Fingerprint: Lazy.string({ produce: () => fingerprint(props.taskDefinition, props.service) }),
      },
    });
    const cfnTaskDefinition = props.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
    const containers = props.taskDefinition.node.children.filter((c): c is ecs.ContainerDefinition => c instanceof ecs.ContainerDefinition);
    for (const container of props.containers) {
      const index = containers.indexOf(container);
      if (index < 0) {
        // The override addresses the container by its place among the task definition's children
        // (the order ContainerDefinitions renders them in); elsewhere it would write `ContainerDefinitions.-1.Image`.
        throw new Error(`ImageRecord: container '${container.containerName}' (${container.node.path}) is not a child of the task definition `
          + `${props.taskDefinition.node.path}; only containers added with taskDefinition.addContainer() can read their images from the record`);
      }
      cfnTaskDefinition.addPropertyOverride(`ContainerDefinitions.${index}.Image`, this.resource.getAttString(`Image.${container.containerName}`));
    }

    new events.Rule(this, 'DeploymentCompleted', {
      description: `Records the images ${props.service.node.path} runs after each completed deployment`,
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Deployment State Change'],
        resources: [props.service.serviceArn],
        detail: { eventName: ['SERVICE_DEPLOYMENT_COMPLETED'] },
      },
      targets: [new targets.LambdaFunction(handler, {
        event: events.RuleTargetInput.fromObject({
          RecordImage: {
            ParameterName: this.parameterName,
            ClusterArn: props.service.cluster.clusterArn,
            ServiceArn: events.EventField.fromPath('$.resources[0]'),
            Defaults: defaults,
          },
        }),
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      })],
    });
    // The function reads the services of this cluster (not this service by reference: the task
    // definition depends on the custom resource, which depends on the function and its policy).
    handler.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ecs:DescribeServices'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${props.service.cluster.clusterName}/*` })],
    }));
  }
}

const FUNCTION_ID = 'CdkEcsCicdPipelineImageRecord';

/** One function per stack serves every environment's record. */
function recordFunction(stack: Stack): ImageRecordFunction {
  const existing = stack.node.tryFindChild(FUNCTION_ID) as ImageRecordFunction | undefined;
  if (existing) { return existing; }
  const fn = new ImageRecordFunction(stack, FUNCTION_ID, {
    description: 'Records the images ECS-native deployments run; answers the task definitions\' image lookups (drift guard)',
    timeout: Duration.seconds(60),
    memorySize: 256,
    logGroup: new logs.LogGroup(stack, `${FUNCTION_ID}Logs`, { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN }),
  });
  fn.addToRolePolicy(new iam.PolicyStatement({
    actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
    resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${IMAGE_RECORD_PARAMETER_PREFIX.slice(1)}/${stack.stackName}/*` })],
  }));
  // ecs:DescribeTaskDefinition has no resource-level permissions (aws/containers-roadmap#929).
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:DescribeTaskDefinition'], resources: ['*'] }));
  acknowledge(fn.role!, 'AwsSolutions-IAM4',
    'AWSLambdaBasicExecutionRole is the AWS-maintained minimum for a function\'s logs.', false,
    ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']);
  acknowledgeWildcards(fn.role!,
    'ecs:DescribeTaskDefinition has no resource-level permissions (Resource::*); the SSM parameters are this stack\'s records '
    + `(${IMAGE_RECORD_PARAMETER_PREFIX}/<stack>/*) and ecs:DescribeServices the services of the environments' clusters.`,
    ['Resource::\\*', `Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${IMAGE_RECORD_PARAMETER_PREFIX}/${stack.stackName}/\\*`,
      'Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service/.*/\\*']);
  acknowledge(fn, 'AwsSolutions-L1', 'Pinned to Node.js 22 so the bundled handler runs with every aws-cdk-lib release the library supports.');
  return fn;
}

/**
 * A hash of everything CloudFormation would send when it registers the task definition or
 * updates the service (their resolved properties; the images themselves are the custom
 * resource's attributes, so the hash does not depend on what was deployed).
 */
function fingerprint(taskDefinition: ecs.TaskDefinition, service: ecs.FargateService): string {
  const stack = Stack.of(taskDefinition);
  // _toCloudFormation() is what aws-cdk-lib itself hashes for Function.currentVersion
  // (aws-lambda/lib/function-hash.js): the resource's resolved properties and overrides.
  const render = (resource: CfnResource) => stack.resolve((resource as unknown as { _toCloudFormation(): object })._toCloudFormation());
  const payload = JSON.stringify([render(taskDefinition.node.defaultChild as CfnResource), render(service.node.defaultChild as CfnResource)]);
  return crypto.createHash('sha256').update(payload).digest('hex');
}
