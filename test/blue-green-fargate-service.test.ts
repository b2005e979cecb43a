import { App, CfnElement, Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';
import { allowStatements } from './support/iam';
import { nagFindings } from './support/nag';
import { SmokeTest } from '../src/blue-green/smoke-test';
import { TrafficShifting } from '../src/blue-green/traffic-shifting';
import { BlueGreenFargateService } from '../src/service/blue-green-fargate-service';
import { BlueGreenFargateServiceProps } from '../src/service/service-props';

// ---------------------------------------------------------------------------------------------
// Harness: a fresh App + Stack per synthesized service (aspects run once per App).
// ---------------------------------------------------------------------------------------------

type PropsFactory = BlueGreenFargateServiceProps | ((stack: Stack) => BlueGreenFargateServiceProps);

interface Built {
  readonly stack: Stack;
  readonly service: BlueGreenFargateService;
  readonly template: Template;
}

function newStack(): Stack {
  return new Stack(new App(), 'TestStack');
}

/** Creates one BlueGreenFargateService (id 'Svc') in a fresh App/Stack and synthesizes it. */
function build(props: PropsFactory = {}): Built {
  const stack = newStack();
  const service = new BlueGreenFargateService(stack, 'Svc', typeof props === 'function' ? props(stack) : props);
  return { stack, service, template: Template.fromStack(stack) };
}

/**
 * Like `build`, reading the annotations first: a second synthesis of an App with a created cluster
 * fails in aws-cdk-lib's capacity-provider aspect, and `Template.fromStack` reuses the first one.
 */
function buildAnnotated(props: PropsFactory = {}): Built & { readonly annotations: Annotations } {
  const stack = newStack();
  const service = new BlueGreenFargateService(stack, 'Svc', typeof props === 'function' ? props(stack) : props);
  const annotations = Annotations.fromStack(stack);
  return { stack, service, annotations, template: Template.fromStack(stack) };
}

/** Logical id of an L2 construct's CloudFormation resource. */
function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

/** The single resource of `type` in the template (fails unless exactly one). */
function onlyResource(template: Template, type: string): { id: string; resource: any } {
  const found = Object.entries<any>(template.findResources(type));
  expect(found).toHaveLength(1);
  return { id: found[0][0], resource: found[0][1] };
}

/** The container definition named `name` of the (single) task definition. */
function containerDefinition(template: Template, name: string): any {
  const { resource } = onlyResource(template, 'AWS::ECS::TaskDefinition');
  const def = resource.Properties.ContainerDefinitions.find((c: any) => c.Name === name);
  expect(def).toBeDefined();
  return def;
}

/** The value of the CfnOutput whose logical id starts with `prefix`. */
function outputValue(template: Template, prefix: string): any {
  const outputs = Object.entries<any>(template.findOutputs('*')).filter(([id]) => id.startsWith(prefix));
  expect(outputs).toHaveLength(1);
  return outputs[0][1].Value;
}

function inlineFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
  });
}

const BOOTSTRAP_IMAGE = 'public.ecr.aws/docker/library/busybox:stable';
const BOOTSTRAP_LABEL = 'cdk-ecs-cicd-pipeline.bootstrap';
const BOOTSTRAP_COMMAND_LABEL = 'cdk-ecs-cicd-pipeline.command';
const XRAY_ACTION = 'xray:PutTraceSegments';

// ---------------------------------------------------------------------------------------------
// The default service: one synthesis shared by every assertion on defaults.
// ---------------------------------------------------------------------------------------------

describe('BlueGreenFargateService with default props', () => {
  let stack: Stack;
  let service: BlueGreenFargateService;
  let template: Template;
  let ids: {
    vpc: string;
    cluster: string;
    logGroup: string;
    loadBalancer: string;
    albSg: string;
    serviceSg: string;
    blueTg: string;
    greenTg: string;
    productionListener: string;
    testListener: string;
    application: string;
    deploymentGroup: string;
    deploymentGroupRole: string;
    smokeFunction: string;
    smokeRole: string;
  };

  beforeAll(() => {
    // GIVEN a stack WHEN a service is created without any props
    ({ stack, service, template } = build());
    const albSg = service.loadBalancer.connections.securityGroups[0];
    const serviceSg = service.service.connections.securityGroups[0];
    ids = {
      vpc: logicalId(stack, service.vpc as ec2.Vpc),
      cluster: logicalId(stack, service.cluster),
      logGroup: logicalId(stack, service.logGroup),
      loadBalancer: logicalId(stack, service.loadBalancer),
      albSg: logicalId(stack, albSg),
      serviceSg: logicalId(stack, serviceSg),
      blueTg: logicalId(stack, service.blueTargetGroup),
      greenTg: logicalId(stack, service.greenTargetGroup),
      productionListener: logicalId(stack, service.productionListener),
      testListener: logicalId(stack, service.testListener),
      application: logicalId(stack, service.application),
      deploymentGroup: logicalId(stack, service.deploymentGroup),
      deploymentGroupRole: logicalId(stack, service.deploymentGroup.role),
      smokeFunction: logicalId(stack, service.smokeTest!.function),
      smokeRole: logicalId(stack, service.smokeTest!.function.role!),
    };
  });

  describe('network and cluster', () => {
    test('creates one VPC with 2 AZs (2 public + 2 private subnets), 1 NAT gateway and a flow log', () => {
      // THEN
      template.resourceCountIs('AWS::EC2::VPC', 1);
      template.resourceCountIs('AWS::EC2::Subnet', 4);
      template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true }, 2);
      template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 2);
      template.resourceCountIs('AWS::EC2::NatGateway', 1);
      template.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceId: { Ref: ids.vpc },
        ResourceType: 'VPC',
        TrafficType: 'ALL',
      });
    });

    test('creates a cluster with Container Insights enabled', () => {
      // THEN
      template.resourceCountIs('AWS::ECS::Cluster', 1);
      template.hasResourceProperties('AWS::ECS::Cluster', {
        ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
      });
    });

    test('associates FARGATE and FARGATE_SPOT with the non-production default strategy', () => {
      // THEN
      template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
        Cluster: { Ref: ids.cluster },
        CapacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        DefaultCapacityProviderStrategy: [
          { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
          { CapacityProvider: 'FARGATE_SPOT', Weight: 4, Base: Match.absent() },
        ],
      });
    });

    test('exposes its settings', () => {
      // THEN
      expect(service.containerName).toBe('app');
      expect(service.containerPort).toBe(8080);
      expect(service.production).toBe(false);
      expect(service.environmentName).toBe('Svc');
      expect(service.alarms).toHaveLength(5);
    });
  });

  describe('task definition', () => {
    test('is a 256 CPU / 512 MiB Fargate task in awsvpc mode on X86_64 Linux', () => {
      // THEN
      template.hasResourceProperties('AWS::ECS::TaskDefinition', {
        Cpu: '256',
        Memory: '512',
        NetworkMode: 'awsvpc',
        RequiresCompatibilities: ['FARGATE'],
        RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      });
    });

    test('runs an essential app container on 8080/tcp logging to the service log group', () => {
      // THEN
      const app = containerDefinition(template, 'app');
      expect(app.Essential).toBe(true);
      expect(app.PortMappings).toEqual([{ ContainerPort: 8080, Protocol: 'tcp' }]);
      expect(app.LogConfiguration).toEqual({
        LogDriver: 'awslogs',
        Options: expect.objectContaining({ 'awslogs-group': { Ref: ids.logGroup }, 'awslogs-stream-prefix': 'app' }),
      });
    });

    test('keeps container logs one month and retains the log group', () => {
      // THEN
      const logGroups = template.findResources('AWS::Logs::LogGroup');
      expect(logGroups[ids.logGroup]).toMatchObject({
        Properties: { RetentionInDays: 30 },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('sets AWS_XRAY_DAEMON_ADDRESS on the app container', () => {
      // THEN
      expect(containerDefinition(template, 'app').Environment).toEqual([
        { Name: 'AWS_XRAY_DAEMON_ADDRESS', Value: '127.0.0.1:2000' },
      ]);
    });

    test('runs a non-essential X-Ray daemon sidecar on UDP 2000, pinned to a released version', () => {
      // THEN
      const xray = containerDefinition(template, 'xray-daemon');
      expect(xray).toMatchObject({
        Essential: false,
        Image: 'public.ecr.aws/xray/aws-xray-daemon:3.6.6',
        PortMappings: [{ ContainerPort: 2000, Protocol: 'udp' }],
        LogConfiguration: { LogDriver: 'awslogs' },
      });
    });

    test('lets the task role send traces (xray:PutTraceSegments on *)', () => {
      // GIVEN
      const taskRole = logicalId(stack, service.taskDefinition.taskRole);
      // THEN
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: taskRole }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Effect: 'Allow',
            Action: Match.arrayWith([XRAY_ACTION, 'xray:PutTelemetryRecords']),
            Resource: '*',
          })]),
        },
      });
    });

    test('starts with the busybox bootstrap image answering on the container port', () => {
      // THEN
      const app = containerDefinition(template, 'app');
      expect(app.Image).toBe(BOOTSTRAP_IMAGE);
      expect(app.Command).toHaveLength(3);
      expect(app.Command.slice(0, 2)).toEqual(['sh', '-c']);
      expect(app.Command[2]).toContain('httpd -f -v -p 8080');
      expect(app.Command[2]).toContain('/www/index.html');
      expect(app.DockerLabels).toEqual({ [BOOTSTRAP_LABEL]: 'true' });
    });
  });

  describe('service', () => {
    test('uses the CODE_DEPLOY controller, private subnets, no public IP and no DesiredCount (autoscaling owns it)', () => {
      // THEN
      template.hasResourceProperties('AWS::ECS::Service', {
        Cluster: { Ref: ids.cluster },
        DeploymentController: { Type: 'CODE_DEPLOY' },
        DesiredCount: Match.absent(),
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            AssignPublicIp: 'DISABLED',
            SecurityGroups: [{ 'Fn::GetAtt': [ids.serviceSg, 'GroupId'] }],
            Subnets: [
              { Ref: logicalId(stack, service.vpc.privateSubnets[0]) },
              { Ref: logicalId(stack, service.vpc.privateSubnets[1]) },
            ],
          },
        },
        LoadBalancers: [{ ContainerName: 'app', ContainerPort: 8080, TargetGroupArn: { Ref: ids.blueTg } }],
      });
    });

    test('uses the non-production capacity provider strategy', () => {
      // THEN
      template.hasResourceProperties('AWS::ECS::Service', {
        CapacityProviderStrategy: [
          { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
          { CapacityProvider: 'FARGATE_SPOT', Weight: 4 },
        ],
        LaunchType: Match.absent(),
      });
    });

    test('admits only the load balancer security group on the container port', () => {
      // THEN the task security group has no inline (CIDR) ingress
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: Match.stringLikeRegexp('^Tasks of Svc'),
        SecurityGroupIngress: Match.absent(),
      });
      const ingress = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [ids.serviceSg, 'GroupId'] } },
      }));
      expect(ingress.map(r => r.Properties)).toEqual([expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: { 'Fn::GetAtt': [ids.albSg, 'GroupId'] },
      })]);
      expect(ingress[0].Properties.CidrIp).toBeUndefined();
      expect(ingress[0].Properties.CidrIpv6).toBeUndefined();
    });
  });

  describe('load balancer and listeners', () => {
    test('is internet-facing and drops invalid header fields', () => {
      // THEN
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Scheme: 'internet-facing',
        Type: 'application',
        LoadBalancerAttributes: Match.arrayWith([{ Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' }]),
      });
    });

    test('has exactly a production listener HTTP 80 -> blue and a test listener HTTP 8080 -> green', () => {
      // THEN
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        LoadBalancerArn: { Ref: ids.loadBalancer },
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: ids.blueTg } }],
        Certificates: Match.absent(),
      });
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        LoadBalancerArn: { Ref: ids.loadBalancer },
        Port: 8080,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: ids.greenTg } }],
      });
      expect(logicalId(stack, service.productionListener)).toBe(ids.productionListener);
    });

    test('opens 80 to the world and 8080 to the VPC CIDR only', () => {
      // THEN
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'Load balancer of Svc',
        SecurityGroupIngress: [
          { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 80, ToPort: 80 },
          { CidrIp: { 'Fn::GetAtt': [ids.vpc, 'CidrBlock'] }, IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080 },
        ],
      });
      // AND no separate ingress resource widens it to other CIDRs
      const extra = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupIngress', {
        Properties: { GroupId: { 'Fn::GetAtt': [ids.albSg, 'GroupId'] } },
      }));
      expect(extra.filter(r => r.Properties.CidrIp !== undefined || r.Properties.CidrIpv6 !== undefined)).toEqual([]);
    });

    test('lets the load balancer reach the tasks only on the container port', () => {
      // THEN
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'Load balancer of Svc',
        SecurityGroupEgress: Match.absent(),
      });
      const egress = Object.values<any>(template.findResources('AWS::EC2::SecurityGroupEgress', {
        Properties: { GroupId: { 'Fn::GetAtt': [ids.albSg, 'GroupId'] } },
      }));
      expect(egress.map(r => r.Properties)).toEqual([expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        DestinationSecurityGroupId: { 'Fn::GetAtt': [ids.serviceSg, 'GroupId'] },
      })]);
    });
  });

  describe('target groups', () => {
    test('are two HTTP IP target groups on the container port with fast health checks and a 30 s deregistration delay', () => {
      // THEN
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
      template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', {
        TargetType: 'ip',
        Protocol: 'HTTP',
        Port: 8080,
        HealthCheckPath: '/',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 2,
        TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
        VpcId: { Ref: ids.vpc },
      }, 2);
    });
  });

  describe('CodeDeploy', () => {
    test('creates an ECS application', () => {
      // THEN
      template.resourceCountIs('AWS::CodeDeploy::Application', 1);
      template.hasResourceProperties('AWS::CodeDeploy::Application', { ComputePlatform: 'ECS' });
    });

    test('deploys blue/green with traffic control, all at once, terminating blue after 4 minutes', () => {
      // THEN
      template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 0);
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        ApplicationName: { Ref: ids.application },
        DeploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
        DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
        BlueGreenDeploymentConfiguration: {
          TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: 4 },
        },
        LoadBalancerInfo: {
          TargetGroupPairInfoList: [{
            ProdTrafficRoute: { ListenerArns: [{ Ref: ids.productionListener }] },
            TestTrafficRoute: { ListenerArns: [{ Ref: ids.testListener }] },
            TargetGroups: [
              { Name: { 'Fn::GetAtt': [ids.blueTg, 'TargetGroupName'] } },
              { Name: { 'Fn::GetAtt': [ids.greenTg, 'TargetGroupName'] } },
            ],
          }],
        },
      });
    });

    test('rolls back on failure, on stop and on alarm', () => {
      // THEN
      const events = new Capture();
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        AutoRollbackConfiguration: { Enabled: true, Events: events },
      });
      expect([...events.asArray()].sort()).toEqual(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST']);
    });

    test('watches the 5 built-in alarms', () => {
      // THEN
      const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
      expect(alarmIds).toHaveLength(5);
      const alarms = new Capture();
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        AlarmConfiguration: { Enabled: true, Alarms: alarms },
      });
      expect(alarms.asArray().map((a: any) => a.Name.Ref).sort()).toEqual([...alarmIds].sort());
      expect(service.alarms.map(a => stack.resolve(a.alarmName).Ref).sort()).toEqual([...alarmIds].sort());
    });
  });

  describe('alarms', () => {
    test('alarm on >= 5 target 5xx per minute on each target group', () => {
      // THEN
      for (const tg of [ids.blueTg, ids.greenTg]) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'HTTPCode_Target_5XX_Count',
          Statistic: 'Sum',
          Period: 60,
          Threshold: 5,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          Dimensions: Match.arrayWith([{ Name: 'TargetGroup', Value: { 'Fn::GetAtt': [tg, 'TargetGroupFullName'] } }]),
        });
      }
      template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'HTTPCode_Target_5XX_Count' }, 2);
    });

    test('alarm on >= 1 unhealthy host on each target group', () => {
      // THEN
      for (const tg of [ids.blueTg, ids.greenTg]) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'UnHealthyHostCount',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          Dimensions: Match.arrayWith([{ Name: 'TargetGroup', Value: { 'Fn::GetAtt': [tg, 'TargetGroupFullName'] } }]),
        });
      }
      template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'UnHealthyHostCount' }, 2);
    });

    test('alarm on p99 target response time above 2 seconds', () => {
      // THEN
      template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'TargetResponseTime' }, 1);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'TargetResponseTime',
        ExtendedStatistic: 'p99',
        Threshold: 2,
        ComparisonOperator: 'GreaterThanThreshold',
        Dimensions: [{ Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [ids.loadBalancer, 'LoadBalancerFullName'] } }],
      });
    });
  });

  describe('autoscaling', () => {
    test('scales between 1 and 10 tasks', () => {
      // THEN
      template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 1);
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        MinCapacity: 1,
        MaxCapacity: 10,
        ScalableDimension: 'ecs:service:DesiredCount',
        ServiceNamespace: 'ecs',
        ScheduledActions: Match.absent(),
      });
    });

    test('tracks CPU at 70 % and memory at 80 % with 60 s / 300 s cooldowns, and nothing else', () => {
      // THEN
      template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 2);
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          TargetValue: 70,
          ScaleOutCooldown: 60,
          ScaleInCooldown: 300,
        },
      });
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageMemoryUtilization' },
          TargetValue: 80,
          ScaleOutCooldown: 60,
          ScaleInCooldown: 300,
        },
      });
    });
  });

  describe('smoke test', () => {
    test('is a Node.js 22 function in the VPC\'s private subnets', () => {
      // THEN
      template.resourceCountIs('AWS::Lambda::Function', 1);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        VpcConfig: {
          SubnetIds: [
            { Ref: logicalId(stack, service.vpc.privateSubnets[0]) },
            { Ref: logicalId(stack, service.vpc.privateSubnets[1]) },
          ],
        },
      });
    });

    test('calls the test listener\'s health check path 5 times with a 5 s timeout', () => {
      // THEN
      const eniDescription = new Capture();
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            TEST_LISTENER_PROTOCOL: 'HTTP',
            TEST_LISTENER_PORT: '8080',
            HEALTH_CHECK_PATH: '/',
            EXPECTED_STATUS: '200-299',
            ATTEMPTS: '5',
            TIMEOUT_MS: '5000',
            LOAD_BALANCER_DNS_NAME: { 'Fn::GetAtt': [ids.loadBalancer, 'DNSName'] },
            LOAD_BALANCER_ENI_DESCRIPTION: eniDescription,
          },
        },
      });
      expect(eniDescription.asObject()).toEqual({
        'Fn::Join': ['', ['ELB ', { 'Fn::GetAtt': [ids.loadBalancer, 'LoadBalancerFullName'] }]],
      });
    });

    test('may report hook status only for this deployment group', () => {
      // THEN
      const statements = allowStatements(stack).filter(st => st.actions.includes('codedeploy:PutLifecycleEventHookExecutionStatus'));
      expect(statements).toHaveLength(1);
      expect(statements[0].actions).toEqual(['codedeploy:PutLifecycleEventHookExecutionStatus']);
      expect(statements[0].resources).toHaveLength(1);
      expect(statements[0].resources[0]).toMatch(
        new RegExp(`^arn:\\$\\{AWS::Partition\\}:codedeploy:.*:deploymentgroup:\\$\\{${ids.application}\\}/\\$\\{${ids.deploymentGroup}\\}$`));
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: ids.smokeRole }],
        PolicyDocument: { Statement: [Match.objectLike({ Action: 'codedeploy:PutLifecycleEventHookExecutionStatus' })] },
      });
    });

    test('the deployment group role has AWSCodeDeployRoleForECSLimited only, not AWSCodeDeployRoleForECS', () => {
      // THEN the role keeps its logical id and carries the limited managed policy alone
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'codedeploy.amazonaws.com' } })] },
        ManagedPolicyArns: Match.exact([
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSCodeDeployRoleForECSLimited']] },
        ]),
      });
      expect(JSON.stringify(template.toJSON())).not.toMatch(/AWSCodeDeployRoleForECS"/);
      expect(ids.deploymentGroupRole).toMatch(/^SvcDeploymentGroupServiceRole/);
    });

    test('may be invoked by the deployment group role on its unqualified ARN only', () => {
      // THEN
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: ids.deploymentGroupRole }],
        PolicyDocument: {
          Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [ids.smokeFunction, 'Arn'] } }],
        },
      });
      const invokes = allowStatements(stack).filter(st => st.actions.includes('lambda:InvokeFunction'));
      expect(invokes.flatMap(st => st.resources)).toEqual([`<${ids.smokeFunction}.Arn>`]);
    });

    test('is the AfterAllowTestTraffic hook of the AppSpec', () => {
      // THEN
      expect(stack.resolve(service.appSpecHooks)).toEqual({
        AfterAllowTestTraffic: { 'Fn::GetAtt': [ids.smokeFunction, 'Arn'] },
      });
      expect(service.hooks.afterAllowTestTraffic).toBe(service.smokeTest!.function);
    });
  });

  describe('dashboard and outputs', () => {
    test('creates one dashboard charting requests, 5xx, latency, CPU, memory and running tasks', () => {
      // THEN
      const { resource } = onlyResource(template, 'AWS::CloudWatch::Dashboard');
      const body = JSON.stringify(resource.Properties.DashboardBody);
      for (const metric of ['RequestCount', 'HTTPCode_Target_5XX_Count', 'TargetResponseTime', 'CPUUtilization', 'MemoryUtilization', 'RunningTaskCount']) {
        expect(body).toContain(metric);
      }
      expect(service.dashboard).toBeDefined();
    });

    test('outputs the production URL (http://<dns>) and the test URL (:8080)', () => {
      // THEN
      const productionUrl = { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [ids.loadBalancer, 'DNSName'] }]] };
      const testUrl = { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [ids.loadBalancer, 'DNSName'] }, ':8080']] };
      expect(outputValue(template, 'SvcProductionUrl')).toEqual(productionUrl);
      expect(outputValue(template, 'SvcTestUrl')).toEqual(testUrl);
      expect(stack.resolve(service.url)).toEqual(productionUrl);
      expect(stack.resolve(service.testUrl)).toEqual(testUrl);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Variants: one synthesis each, grouped by what they change.
// ---------------------------------------------------------------------------------------------

describe('production: true', () => {
  let built: Built;
  beforeAll(() => {
    // GIVEN / WHEN
    built = build({ production: true });
  });

  test('uses FARGATE only, on the cluster and on the service', () => {
    // THEN
    built.template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
      DefaultCapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
    });
    built.template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
    });
    expect(JSON.stringify(built.template.findResources('AWS::ECS::Service'))).not.toContain('FARGATE_SPOT');
  });

  test('runs 2 tasks and scales between 2 and 10', () => {
    // THEN
    built.template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: Match.absent() });
    built.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10 });
    expect(built.service.production).toBe(true);
  });

  test('keeps the blue task set 5 minutes after a successful cutover', () => {
    // THEN
    built.template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      BlueGreenDeploymentConfiguration: {
        TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: 5 },
      },
    });
  });
});

describe('existing network', () => {
  test('an existing cluster: no VPC or cluster is created and the service runs in that cluster', () => {
    // GIVEN an imported VPC and cluster
    const { template, service } = build(stack => {
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'ImportedVpc', {
        vpcId: 'vpc-12345678',
        vpcCidrBlock: '10.10.0.0/16',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        publicSubnetIds: ['subnet-pub1', 'subnet-pub2'],
        privateSubnetIds: ['subnet-priv1', 'subnet-priv2'],
      });
      return { cluster: ecs.Cluster.fromClusterAttributes(stack, 'ImportedCluster', { clusterName: 'shared', vpc }) };
    });
    // THEN
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::ECS::Cluster', 0);
    template.resourceCountIs('AWS::ECS::ClusterCapacityProviderAssociations', 0);
    template.hasResourceProperties('AWS::ECS::Service', {
      Cluster: 'shared',
      NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ['subnet-priv1', 'subnet-priv2'] } },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Load balancer of Svc',
      VpcId: 'vpc-12345678',
      SecurityGroupIngress: Match.arrayWith([Match.objectLike({ CidrIp: '10.10.0.0/16', FromPort: 8080 })]),
    });
    expect(service.vpc.vpcId).toBe('vpc-12345678');
  });

  test('an existing cluster and a vpc: warns that the vpc is ignored', () => {
    // GIVEN
    const { stack } = build(s => {
      const clusterVpc = new ec2.Vpc(s, 'ClusterVpc', { maxAzs: 2, natGateways: 1 });
      const otherVpc = new ec2.Vpc(s, 'OtherVpc', { maxAzs: 2, natGateways: 1 });
      return { cluster: new ecs.Cluster(s, 'SharedCluster', { vpc: clusterVpc }), vpc: otherVpc };
    });
    // THEN
    Annotations.fromStack(stack).hasWarning('/TestStack/Svc', Match.stringLikeRegexp('vpc is ignored because cluster is given'));
  });

  test('natGateways with a passed-in vpc: warns that it is ignored', () => {
    // GIVEN
    // (annotations only: synthesizing the template first would run the cluster's aspect twice)
    const stack = newStack();
    new BlueGreenFargateService(stack, 'Svc', { vpc: new ec2.Vpc(stack, 'GivenVpc', { maxAzs: 2, natGateways: 1 }), natGateways: 2 });
    // THEN
    Annotations.fromStack(stack).hasWarning('/TestStack/Svc', Match.stringLikeRegexp('natGateways \\(2\\) is ignored because a vpc or cluster is given'));
  });

  test('a passed-in vpc: no new VPC, the service and its cluster live in the given one', () => {
    // GIVEN / WHEN
    const { stack, service, template } = build(s => ({ vpc: new ec2.Vpc(s, 'SharedVpc', { maxAzs: 2, natGateways: 1 }) }));
    // THEN only the given VPC exists (and no flow log was added to it)
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
    const sharedVpcId = logicalId(stack, service.vpc as ec2.Vpc);
    expect(sharedVpcId).toMatch(/^SharedVpc/);
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', { VpcId: { Ref: sharedVpcId } }, 2);
    // AND a new cluster is still created, in that VPC
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    expect(service.cluster.vpc).toBe(service.vpc);
  });

  test('natGateways: 2 gives the new VPC 2 NAT gateways', () => {
    // GIVEN / WHEN
    const { template } = build({ natGateways: 2 });
    // THEN
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
  });
});

describe('container options', () => {
  let built: Built;
  let ids: { secret: string; executionPolicy: string };

  beforeAll(() => {
    // GIVEN an image, environment, secrets, a command, a container health check, ARM64,
    // a log removal policy and an X-Ray daemon image
    built = build(stack => {
      const secret = new secretsmanager.Secret(stack, 'ApiKey');
      const parameter = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'DbPassword', { parameterName: '/shop/db-password' });
      return {
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
        environment: { STAGE: 'dev', LOG_LEVEL: 'debug' },
        secrets: {
          API_KEY: ecs.Secret.fromSecretsManager(secret),
          DB_PASSWORD: ecs.Secret.fromSsmParameter(parameter),
        },
        command: ['node', 'server.js'],
        containerHealthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'], interval: Duration.seconds(30) },
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        logRemovalPolicy: RemovalPolicy.DESTROY,
        logRetention: logs.RetentionDays.ONE_WEEK,
        xrayDaemonImage: ecs.ContainerImage.fromRegistry('public.ecr.aws/xray/aws-xray-daemon:3.3.12'),
      };
    });
    ids = {
      secret: logicalId(built.stack, built.stack.node.findChild('ApiKey')),
      executionPolicy: logicalId(built.stack, built.service.taskDefinition.executionRole!.node.findChild('DefaultPolicy')),
    };
  });

  test('uses the given image and command, without bootstrap labels', () => {
    // THEN
    const app = containerDefinition(built.template, 'app');
    expect(app.Image).toBe('public.ecr.aws/nginx/nginx:stable');
    expect(app.Command).toEqual(['node', 'server.js']);
    expect(app.DockerLabels).toBeUndefined();
  });

  test('passes environment variables through, next to AWS_XRAY_DAEMON_ADDRESS', () => {
    // THEN
    expect(containerDefinition(built.template, 'app').Environment).toEqual(expect.arrayContaining([
      { Name: 'AWS_XRAY_DAEMON_ADDRESS', Value: '127.0.0.1:2000' },
      { Name: 'STAGE', Value: 'dev' },
      { Name: 'LOG_LEVEL', Value: 'debug' },
    ]));
    expect(containerDefinition(built.template, 'app').Environment).toHaveLength(3);
  });

  test('injects secrets and lets the execution role read them', () => {
    // THEN
    const secrets = containerDefinition(built.template, 'app').Secrets;
    expect(secrets).toHaveLength(2);
    expect(secrets).toEqual(expect.arrayContaining([
      { Name: 'API_KEY', ValueFrom: { Ref: ids.secret } },
      { Name: 'DB_PASSWORD', ValueFrom: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
    ]));
    expect(JSON.stringify(secrets.find((s: any) => s.Name === 'DB_PASSWORD').ValueFrom)).toContain(':parameter/shop/db-password');

    const executionRoleStatements = allowStatements(built.stack).filter(st => st.policy === ids.executionPolicy);
    const secretRead = executionRoleStatements.find(st => st.actions.includes('secretsmanager:GetSecretValue'));
    expect(secretRead?.resources).toEqual([`\${${ids.secret}}`]);
    const parameterRead = executionRoleStatements.find(st => st.actions.includes('ssm:GetParameters'));
    expect(parameterRead?.resources).toHaveLength(1);
    expect(parameterRead!.resources[0]).toContain(':parameter/shop/db-password');
  });

  test('passes the container health check through', () => {
    // THEN
    expect(containerDefinition(built.template, 'app').HealthCheck).toMatchObject({
      Command: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'],
      Interval: 30,
    });
  });

  test('runs on ARM64 when asked', () => {
    // THEN
    built.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  test('applies logRemovalPolicy and logRetention to the container log group', () => {
    // THEN
    const logGroups = built.template.findResources('AWS::Logs::LogGroup');
    expect(logGroups[logicalId(built.stack, built.service.logGroup)]).toMatchObject({
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('uses xrayDaemonImage for the sidecar', () => {
    // THEN
    expect(containerDefinition(built.template, 'xray-daemon').Image).toBe('public.ecr.aws/xray/aws-xray-daemon:3.3.12');
  });
});

describe('bootstrap image with a command', () => {
  test('keeps the bootstrap command and carries the real command in a label', () => {
    // GIVEN / WHEN no image but a command and a health check path
    const { template } = build({ command: ['node', 'server.js', '--port', '8080'], healthCheckPath: '/health' });
    // THEN
    const app = containerDefinition(template, 'app');
    expect(app.Image).toBe(BOOTSTRAP_IMAGE);
    expect(app.Command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(app.Command[2]).toContain('httpd -f -v -p 8080');
    expect(app.Command[2]).toContain('/www/health');
    expect(app.DockerLabels).toEqual({
      [BOOTSTRAP_LABEL]: 'true',
      [BOOTSTRAP_COMMAND_LABEL]: JSON.stringify(['node', 'server.js', '--port', '8080']),
    });
    expect(JSON.parse(app.DockerLabels[BOOTSTRAP_COMMAND_LABEL])).toEqual(['node', 'server.js', '--port', '8080']);
  });
});

describe('xray: false', () => {
  test('removes the sidecar, the daemon address and the trace permissions', () => {
    // GIVEN / WHEN
    const { stack, template } = build({ xray: false });
    // THEN
    const { resource } = onlyResource(template, 'AWS::ECS::TaskDefinition');
    expect(resource.Properties.ContainerDefinitions.map((c: any) => c.Name)).toEqual(['app']);
    expect(containerDefinition(template, 'app').Environment).toBeUndefined();
    expect(allowStatements(stack).filter(st => st.actions.some(a => a.startsWith('xray:')))).toEqual([]);
  });
});

describe('load balancer options', () => {
  test('internetFacing: false: internal scheme, production listener open to the VPC only', () => {
    // GIVEN / WHEN
    const { stack, service, template } = build({ internetFacing: false });
    // THEN
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
    const vpcCidr = { 'Fn::GetAtt': [logicalId(stack, service.vpc as ec2.Vpc), 'CidrBlock'] };
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Load balancer of Svc',
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: vpcCidr, FromPort: 80 }),
        Match.objectLike({ CidrIp: vpcCidr, FromPort: 8080 }),
      ],
    });
  });

  describe('testListenerAllowedCidrs', () => {
    let built: Built;
    beforeAll(() => {
      // GIVEN / WHEN CIDRs outside the VPC
      built = build({ testListenerAllowedCidrs: ['203.0.113.0/24', '198.51.100.7/32'] });
    });

    test('replace the VPC CIDR on the test listener', () => {
      // THEN
      built.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'Load balancer of Svc',
        SecurityGroupIngress: [
          Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80 }),
          Match.objectLike({ CidrIp: '203.0.113.0/24', FromPort: 8080, ToPort: 8080 }),
          Match.objectLike({ CidrIp: '198.51.100.7/32', FromPort: 8080, ToPort: 8080 }),
        ],
      });
    });

    test('still let the built-in smoke test (in the VPC) reach the test listener', () => {
      // GIVEN the smoke test calls the load balancer's private IPs from the VPC's private subnets
      const albSg = logicalId(built.stack, built.service.loadBalancer.connections.securityGroups[0]);
      const smokeSg = logicalId(built.stack, built.service.smokeTest!.function.connections.securityGroups[0]);
      // THEN the load balancer admits the smoke test's security group on the test port
      built.template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [albSg, 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [smokeSg, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
      });
    });
  });

  describe('with a certificate', () => {
    const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
    let built: Built;
    let lb: string;
    beforeAll(() => {
      // GIVEN / WHEN
      built = build(stack => ({
        certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
        smokeTestOptions: { path: '/ready', expectedStatus: '200,204', attempts: 3, timeout: Duration.seconds(2) },
      }));
      lb = logicalId(built.stack, built.service.loadBalancer);
    });

    test('serves HTTPS on 443 (production) and 8443 (test) with the certificate', () => {
      // THEN
      built.template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 3);
      built.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: CERT_ARN }],
        DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(built.stack, built.service.blueTargetGroup) } }],
      });
      built.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 8443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: CERT_ARN }],
        DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(built.stack, built.service.greenTargetGroup) } }],
      });
    });

    test('creates the port-80 redirect listener only after the production listener (no DuplicateListener when a certificate is added)', () => {
      // THEN adding a certificate moves the production listener from 80 to 443 in the same update
      // that creates the redirect listener on 80: the redirect listener must wait for it.
      const production = logicalId(built.stack, built.service.productionListener);
      const redirect = Object.entries<any>(built.template.findResources('AWS::ElasticLoadBalancingV2::Listener', { Properties: { Port: 80 } }));
      expect(redirect).toHaveLength(1);
      expect(redirect[0][1].DependsOn).toEqual(expect.arrayContaining([production]));
    });

    test('warns that the URLs use the load balancer\'s DNS name, which the certificate does not cover', () => {
      // THEN
      const { annotations } = buildAnnotated(stack => ({ certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN) }));
      annotations.hasWarning('/TestStack/Svc', Match.stringLikeRegexp('certificate is set without domainName'));
    });

    test('redirects HTTP 80 permanently to HTTPS 443', () => {
      // THEN
      built.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
      });
    });

    test('opens 443 and 80 to the world, 8443 to the VPC', () => {
      // THEN
      const ingress = new Capture();
      built.template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'Load balancer of Svc',
        SecurityGroupIngress: ingress,
      });
      const rules = ingress.asArray().map((r: any) => ({ cidr: r.CidrIp, port: r.FromPort }));
      expect(rules).toHaveLength(3);
      expect(rules).toEqual(expect.arrayContaining([
        { cidr: '0.0.0.0/0', port: 443 },
        { cidr: '0.0.0.0/0', port: 80 },
        { cidr: { 'Fn::GetAtt': [logicalId(built.stack, built.service.vpc as ec2.Vpc), 'CidrBlock'] }, port: 8443 },
      ]));
    });

    test('uses https URLs and an HTTPS smoke test on 8443 with the smokeTestOptions', () => {
      // THEN
      expect(built.stack.resolve(built.service.url)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [lb, 'DNSName'] }]] });
      expect(built.stack.resolve(built.service.testUrl)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [lb, 'DNSName'] }, ':8443']] });
      expect(outputValue(built.template, 'SvcProductionUrl')).toEqual(built.stack.resolve(built.service.url));
      built.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            TEST_LISTENER_PROTOCOL: 'HTTPS',
            TEST_LISTENER_PORT: '8443',
            HEALTH_CHECK_PATH: '/ready',
            EXPECTED_STATUS: '200,204',
            ATTEMPTS: '3',
            TIMEOUT_MS: '2000',
          },
        },
      });
    });
  });

  test('custom container name and port, health check path and listener ports', () => {
    // GIVEN / WHEN
    const { stack, service, template } = build({
      containerName: 'web',
      containerPort: 3000,
      healthCheckPath: '/health',
      productionListenerPort: 8000,
      testListenerPort: 9000,
    });
    const lb = logicalId(stack, service.loadBalancer);
    // THEN the listeners
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8000, Protocol: 'HTTP' });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 9000, Protocol: 'HTTP' });
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::Listener', { Port: 80 }, 0);
    // AND the target groups, the container and the tasks' security group follow the container port
    template.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 3000, HealthCheckPath: '/health' }, 2);
    expect(containerDefinition(template, 'web').PortMappings).toEqual([{ ContainerPort: 3000, Protocol: 'tcp' }]);
    expect(containerDefinition(template, 'web').Command[2]).toContain('httpd -f -v -p 3000');
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ ContainerName: 'web', ContainerPort: 3000 })] });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 3000, ToPort: 3000, SourceSecurityGroupId: Match.anyValue() });
    // AND the smoke test and URLs follow the listener ports and the path
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { TEST_LISTENER_PORT: '9000', HEALTH_CHECK_PATH: '/health' } },
    });
    expect(stack.resolve(service.url)).toEqual({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [lb, 'DNSName'] }, ':8000']] });
    expect(stack.resolve(service.testUrl)).toEqual({ 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': [lb, 'DNSName'] }, ':9000']] });
  });
});

describe('traffic shifting', () => {
  test('canary(10, 5 minutes) uses CodeDeployDefault.ECSCanary10Percent5Minutes without a custom config', () => {
    // GIVEN / WHEN
    const { template } = build({ trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)) });
    // THEN
    template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 0);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
    });
  });

  test('linear(20, 2 minutes) creates a custom TimeBasedLinear config', () => {
    // GIVEN / WHEN
    const { template } = build({ trafficShifting: TrafficShifting.linear(20, Duration.minutes(2)) });
    // THEN
    const { id } = onlyResource(template, 'AWS::CodeDeploy::DeploymentConfig');
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ComputePlatform: 'ECS',
      TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearPercentage: 20, LinearInterval: 2 } },
    });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentConfigName: { Ref: id } });
  });
});

describe('tuned deployment, alarms, autoscaling and extras off', () => {
  let built: Built;
  let extraAlarm: cloudwatch.Alarm;
  beforeAll(() => {
    // GIVEN / WHEN
    built = build(stack => {
      extraAlarm = new cloudwatch.Alarm(stack, 'ExtraAlarm', {
        metric: new cloudwatch.Metric({ namespace: 'Shop', metricName: 'Orders' }),
        threshold: 1,
        evaluationPeriods: 1,
      });
      return {
        terminationWaitTime: Duration.minutes(15),
        targetResponseTimeThreshold: Duration.millis(500),
        http5xxThreshold: 12,
        deploymentAlarms: [extraAlarm],
        requestsPerTarget: 500,
        scheduledScaling: [{
          name: 'Night',
          schedule: appscaling.Schedule.cron({ hour: '20', minute: '0' }),
          minCapacity: 0,
          maxCapacity: 0,
          timeZone: TimeZone.EUROPE_BERLIN,
        }],
        smokeTest: false,
        dashboard: false,
      };
    });
  });

  test('terminationWaitTime overrides the wait before blue is terminated', () => {
    // THEN
    built.template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      BlueGreenDeploymentConfiguration: { TerminateBlueInstancesOnDeploymentSuccess: { TerminationWaitTimeInMinutes: 15 } },
    });
  });

  test('targetResponseTimeThreshold and http5xxThreshold set the alarm thresholds', () => {
    // THEN
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'TargetResponseTime', Threshold: 0.5 });
    built.template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'HTTPCode_Target_5XX_Count', Threshold: 12 }, 2);
  });

  test('deploymentAlarms are watched next to the 5 built-in alarms', () => {
    // THEN
    const alarms = new Capture();
    built.template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { AlarmConfiguration: { Enabled: true, Alarms: alarms } });
    const names = alarms.asArray().map((a: any) => a.Name);
    expect(names).toHaveLength(6);
    expect(names).toContainEqual(built.stack.resolve(extraAlarm.alarmName));
    expect(built.service.alarms).toHaveLength(5);
  });

  test('requestsPerTarget adds an ALBRequestCountPerTarget policy on the blue target group', () => {
    // THEN
    built.template.resourceCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', 3);
    const label = new Capture();
    built.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: label },
        TargetValue: 500,
        ScaleOutCooldown: 60,
        ScaleInCooldown: 300,
      },
    });
    expect(JSON.stringify(label.asObject())).toContain(logicalId(built.stack, built.service.blueTargetGroup));
  });

  test('scheduledScaling adds scheduled actions to the scalable target', () => {
    // THEN
    built.template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 1,
      MaxCapacity: 10,
      ScheduledActions: [{
        ScheduledActionName: Match.stringLikeRegexp('Night'),
        Schedule: 'cron(0 20 * * ? *)',
        ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
        Timezone: 'Europe/Berlin',
      }],
    });
  });

  test('smokeTest: false creates no function, no hook permissions and no AppSpec hooks', () => {
    // THEN
    built.template.resourceCountIs('AWS::Lambda::Function', 0);
    expect(built.service.smokeTest).toBeUndefined();
    expect(built.service.appSpecHooks).toEqual({});
    expect(allowStatements(built.stack).filter(st => st.actions.includes('lambda:InvokeFunction'))).toEqual([]);
  });

  test('dashboard: false creates no dashboard', () => {
    // THEN
    built.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(built.service.dashboard).toBeUndefined();
  });
});

describe('lifecycle hooks', () => {
  test('user hooks replace the smoke test and are wired into the AppSpec and IAM', () => {
    // GIVEN
    let fns: { [name: string]: lambda.Function } = {};
    const { stack, service, template } = build(s => {
      fns = {
        beforeInstall: inlineFunction(s, 'BeforeInstallHook'),
        afterInstall: inlineFunction(s, 'AfterInstallHook'),
        afterAllowTestTraffic: inlineFunction(s, 'AfterAllowTestTrafficHook'),
        beforeAllowTraffic: inlineFunction(s, 'BeforeAllowTrafficHook'),
        afterAllowTraffic: inlineFunction(s, 'AfterAllowTrafficHook'),
      };
      return { hooks: { ...fns } };
    });
    const arn = (fn: lambda.Function) => ({ 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] });

    // THEN no built-in smoke test
    expect(service.smokeTest).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::Function', 5);
    expect(service.hooks.afterAllowTestTraffic).toBe(fns.afterAllowTestTraffic);

    // AND the AppSpec hooks name every function under its lifecycle event
    expect(stack.resolve(service.appSpecHooks)).toEqual({
      BeforeInstall: arn(fns.beforeInstall),
      AfterInstall: arn(fns.afterInstall),
      AfterAllowTestTraffic: arn(fns.afterAllowTestTraffic),
      BeforeAllowTraffic: arn(fns.beforeAllowTraffic),
      AfterAllowTraffic: arn(fns.afterAllowTraffic),
    });

    // AND the deployment group role may invoke each unqualified ARN, nothing more
    const invokes = allowStatements(stack).filter(st => st.actions.includes('lambda:InvokeFunction'));
    const invoked = invokes.flatMap(st => st.resources);
    expect([...invoked].sort()).toEqual(Object.values(fns).map(fn => `<${logicalId(stack, fn)}.Arn>`).sort());
    expect(invoked.filter(r => r.endsWith(':*'))).toEqual([]);
    expect(new Set(invokes.map(st => st.policy))).toEqual(new Set([
      logicalId(stack, service.deploymentGroup.role.node.findChild('DefaultPolicy')),
    ]));

    // AND each function may report status for this deployment group only
    const reports = allowStatements(stack).filter(st => st.actions.includes('codedeploy:PutLifecycleEventHookExecutionStatus'));
    expect(reports).toHaveLength(5);
    const dgArn = stack.resolve(service.deploymentGroup.deploymentGroupArn);
    for (const fn of Object.values(fns)) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(stack, fn.role!) }],
        PolicyDocument: {
          Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'codedeploy:PutLifecycleEventHookExecutionStatus', Resource: dgArn }]),
        },
      });
    }
  });

  test('only the given hooks appear in appSpecHooks, next to the smoke test', () => {
    // GIVEN
    let before: lambda.Function | undefined;
    const { stack, service } = build(s => {
      before = inlineFunction(s, 'BeforeAllowTrafficHook');
      return { hooks: { beforeAllowTraffic: before } };
    });
    // THEN
    expect(Object.keys(service.appSpecHooks)).toEqual(['AfterAllowTestTraffic', 'BeforeAllowTraffic']);
    expect(stack.resolve(service.appSpecHooks.BeforeAllowTraffic)).toEqual({ 'Fn::GetAtt': [logicalId(stack, before!), 'Arn'] });
    expect(stack.resolve(service.appSpecHooks.AfterAllowTestTraffic)).toEqual({ 'Fn::GetAtt': [logicalId(stack, service.smokeTest!.function), 'Arn'] });
  });

  test('smokeTest: true together with hooks.afterAllowTestTraffic throws', () => {
    // GIVEN
    const stack = newStack();
    const hook = inlineFunction(stack, 'Hook');
    // WHEN / THEN
    expect(() => new BlueGreenFargateService(stack, 'Svc', { smokeTest: true, hooks: { afterAllowTestTraffic: hook } }))
      .toThrow(/smokeTest \(true\) and hooks\.afterAllowTestTraffic cannot both be set/);
  });
});

// ---------------------------------------------------------------------------------------------
// cdk-nag
// ---------------------------------------------------------------------------------------------

describe('cdk-nag AwsSolutions', () => {
  test('a default service has no unsuppressed errors or warnings', () => {
    // GIVEN a fresh App holding only a default service
    const stack = newStack();
    new BlueGreenFargateService(stack, 'Svc');
    // WHEN
    const findings = nagFindings(stack);
    // THEN
    expect(findings).toEqual([]);
  });

  test('HTTPS on a domain name with an alias record has no unsuppressed errors or warnings', () => {
    // GIVEN
    const stack = newStack();
    new BlueGreenFargateService(stack, 'Svc', {
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555'),
      domainName: 'shop.acme.example',
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'acme.example' }),
    });
    // WHEN / THEN
    expect(nagFindings(stack)).toEqual([]);
  });

  test.each([
    ['an explicit open production listener is acknowledged like the default one', ['0.0.0.0/0'], []],
    ['a restricted production listener needs no acknowledgement', ['203.0.113.0/24'], []],
  ])('%s', (_name, cidrs, expected) => {
    // GIVEN
    const stack = newStack();
    new BlueGreenFargateService(stack, 'Svc', { productionListenerAllowedCidrs: cidrs });
    // WHEN / THEN
    expect(nagFindings(stack)).toEqual(expected);
  });

  test('the EC23 acknowledgement sits only where the listener is open', () => {
    // GIVEN a restricted production listener
    const stack = newStack();
    new BlueGreenFargateService(stack, 'Svc', { productionListenerAllowedCidrs: ['203.0.113.0/24'] });
    // THEN no resource acknowledges EC23 (only that EC23 cannot evaluate the VPC CIDR token)
    const ids = Object.values<any>(Template.fromStack(stack).toJSON().Resources)
      .flatMap(r => r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((r: any) => r.id);
    expect(ids).not.toContain('AwsSolutions-EC23');
    expect(ids).toContain('CdkNagValidationFailure');
  });

  test('negative control: the same harness reports a bare bucket', () => {
    // GIVEN
    const stack = newStack();
    new s3.Bucket(stack, 'Bucket');
    // WHEN
    const findings = nagFindings(stack);
    // THEN
    expect(findings.filter(f => f.level === 'error').length).toBeGreaterThan(0);
    expect(findings.map(f => f.message).join('\n')).toMatch(/AwsSolutions-S1/);
  });
});

describe('DesiredCount is left to the scalable target (aws-cdk issue 3919)', () => {
  test.each([
    ['without feature flags', {}],
    ['with @aws-cdk/aws-ecs-patterns:removeDefaultDesiredCount', { '@aws-cdk/aws-ecs-patterns:removeDefaultDesiredCount': true }],
    ['with @aws-cdk/aws-ecs-patterns:removeDefaultDesiredCount false', { '@aws-cdk/aws-ecs-patterns:removeDefaultDesiredCount': false }],
  ])('production with desiredCount 3: no DesiredCount on the service, MinCapacity 3, %s', (_name, context) => {
    // GIVEN an app with (or without) the feature flag
    const stack = new Stack(new App({ context }), 'TestStack');
    // WHEN
    new BlueGreenFargateService(stack, 'Svc', { production: true, desiredCount: 3, maxCapacity: 30 });
    // THEN a later stack update cannot reset a scaled-out service: only the scalable target has a count
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: Match.absent() });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 30 });
  });

  test('desiredCount above an explicit minCapacity warns that it has no effect', () => {
    // GIVEN / WHEN
    const { annotations } = buildAnnotated({ desiredCount: 3, minCapacity: 2 });
    // THEN
    annotations.hasWarning('/TestStack/Svc', Match.stringLikeRegexp('desiredCount \\(3\\) differs from minCapacity \\(2\\)'));
  });

  test('desiredCount alone does not warn', () => {
    const { annotations } = buildAnnotated({ desiredCount: 3 });
    annotations.hasNoWarning('/TestStack/Svc', Match.stringLikeRegexp('desiredCount'));
  });
});

describe('rollback on alarm can fire outside production', () => {
  test('the default termination wait covers every built-in alarm window plus a minute for the metrics', () => {
    // GIVEN / WHEN a non-production service with the default all-at-once deployment
    const { template } = build();
    // THEN the old task set outlives the slowest built-in alarm, so CodeDeploy still watches it
    const group = onlyResource(template, 'AWS::CodeDeploy::DeploymentGroup').resource;
    const waitSeconds = group.Properties.BlueGreenDeploymentConfiguration.TerminateBlueInstancesOnDeploymentSuccess.TerminationWaitTimeInMinutes * 60;
    const alarms = Object.values<any>(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(5);
    const longestWindow = Math.max(...alarms.map(a => a.Properties.EvaluationPeriods * a.Properties.Period));
    expect(longestWindow).toBe(180);
    expect(waitSeconds).toBe(longestWindow + 60);
  });

  test('an explicit termination wait of 0 warns that alarms cannot roll back', () => {
    const { annotations, template } = buildAnnotated({ terminationWaitTime: Duration.minutes(0) });
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      BlueGreenDeploymentConfiguration: { TerminateBlueInstancesOnDeploymentSuccess: { TerminationWaitTimeInMinutes: 0 } },
    });
    annotations.hasWarning('/TestStack/Svc', Match.stringLikeRegexp('terminationWaitTime \\(0 minutes\\) is shorter than the 4 minutes'));
  });
});

describe('domainName', () => {
  const CERT_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

  test('with a certificate and a hosted zone: https URLs on the name, outputs, an alias record and no warning', () => {
    // GIVEN
    const stack = newStack();
    const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'acme.example' });
    // WHEN
    const service = new BlueGreenFargateService(stack, 'Svc', {
      certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERT_ARN),
      domainName: 'shop.acme.example',
      hostedZone: zone,
    });
    // THEN
    const annotations = Annotations.fromStack(stack);
    const template = Template.fromStack(stack);
    expect(service.url).toBe('https://shop.acme.example');
    expect(service.testUrl).toBe('https://shop.acme.example:8443');
    expect(outputValue(template, 'SvcProductionUrl')).toBe('https://shop.acme.example');
    expect(outputValue(template, 'SvcTestUrl')).toBe('https://shop.acme.example:8443');
    const lb = logicalId(stack, service.loadBalancer);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'shop.acme.example.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABCDEFGHIJ',
      AliasTarget: {
        DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': [lb, 'DNSName'] }]] },
        HostedZoneId: { 'Fn::GetAtt': [lb, 'CanonicalHostedZoneID'] },
      },
    });
    expect(service.aliasRecord).toBeDefined();
    // the smoke test sends the name as Host header and TLS server name, as clients will
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TEST_LISTENER_PROTOCOL: 'HTTPS', LOAD_BALANCER_DNS_NAME: 'shop.acme.example' }) },
    });
    annotations.hasNoWarning('/TestStack/Svc', Match.stringLikeRegexp('domainName'));
  });

  test('without a hosted zone: the name in the URLs (with a non-default port), no record', () => {
    const { service, template } = build({ domainName: 'api.acme.example', productionListenerPort: 8000, testListenerPort: 8001 });
    expect(service.url).toBe('http://api.acme.example:8000');
    expect(service.testUrl).toBe('http://api.acme.example:8001');
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(service.aliasRecord).toBeUndefined();
  });
});

describe('SmokeTest used alone', () => {
  function withService(addSmokeTest: (stack: Stack, service: BlueGreenFargateService) => void): void {
    const stack = newStack();
    const service = new BlueGreenFargateService(stack, 'Svc', { smokeTest: false });
    addSmokeTest(stack, service);
  }

  test.each([
    ['attempts', { attempts: 0 }, /^attempts \(0\) must be an integer between 1 and 100$/],
    ['timeout', { timeout: Duration.millis(500) }, /^timeout \(500 millis\) must be a whole number of seconds between 1 second and 1 minute$/],
    ['path', { path: 'health' }, /^path \('health'\) must start with '\/'/],
    ['expectedStatus', { expectedStatus: '2xx' }, /^expectedStatus \('2xx'\) must be HTTP codes or ranges/],
    ['port', { port: 70000 }, /^port \(70000\) must be an integer between 1 and 65535$/],
    ['hostName', { hostName: 'https://shop.acme.example' }, /^hostName \('https:\/\/shop\.acme\.example'\) must be a fully qualified DNS name/],
    ['attempts and timeout together', { attempts: 100, timeout: Duration.seconds(10) },
      /^attempts \(100\) and timeout \(10 seconds\) need a smoke test function timeout of 1130 seconds .*above Lambda's 900-second limit/],
  ])('rejects a bad %s, naming it', (_prop, bad, message) => {
    expect(() => withService((stack, service) => new SmokeTest(stack, 'Smoke', {
      vpc: service.vpc, loadBalancer: service.loadBalancer, protocol: elbv2.ApplicationProtocol.HTTP, port: 8080, path: '/', ...bad,
    }))).toThrow(message);
  });

  test('rejects an imported load balancer, naming the prop', () => {
    expect(() => withService((stack, service) => new SmokeTest(stack, 'Smoke', {
      vpc: service.vpc,
      loadBalancer: elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Imported', {
        loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/0123456789abcdef',
        securityGroupId: 'sg-12345678',
      }),
      protocol: elbv2.ApplicationProtocol.HTTP,
      port: 8080,
      path: '/',
    }))).toThrow(/^loadBalancer \(.*Imported\) must be an elbv2\.ApplicationLoadBalancer defined in this app/);
  });

  test.each([
    // 5 x (5 s + 1 s interval) + 30 s for the ENI lookup and the report
    ['the defaults', {}, 60],
    // 3 x (2 s + 1 s) + 30 s
    ['3 attempts of 2 s', { attempts: 3, timeout: Duration.seconds(2) }, 39],
  ])('gives the function time for every attempt and the report: %s', (_name, options, seconds) => {
    // GIVEN
    const stack = newStack();
    new BlueGreenFargateService(stack, 'Svc', { smokeTestOptions: options });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ HEALTH_CHECK_PATH: '/' }) },
      Timeout: seconds,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Production defaults, isolation and deletion order
// ---------------------------------------------------------------------------------------------

describe('the service and the capacity-provider association', () => {
  test('the service depends on the cluster\'s capacity-provider association, so it is deleted first', () => {
    // GIVEN / WHEN a default service (aws-cdk-lib creates the association in an aspect at synthesis)
    const { template } = build();
    // THEN
    const associations = Object.keys(template.findResources('AWS::ECS::ClusterCapacityProviderAssociations'));
    expect(associations).toHaveLength(1);
    const { resource } = onlyResource(template, 'AWS::ECS::Service');
    expect(resource.DependsOn).toEqual(expect.arrayContaining(associations));
  });

  test('also with a cluster passed in that was created in the app', () => {
    // GIVEN
    const { template } = build(s => ({
      cluster: new ecs.Cluster(s, 'SharedCluster', { vpc: new ec2.Vpc(s, 'SharedVpc', { maxAzs: 2, natGateways: 1 }), enableFargateCapacityProviders: true }),
    }));
    // THEN
    const associations = Object.keys(template.findResources('AWS::ECS::ClusterCapacityProviderAssociations'));
    expect(associations).toHaveLength(1);
    expect(onlyResource(template, 'AWS::ECS::Service').resource.DependsOn).toEqual(expect.arrayContaining(associations));
  });
});

describe('production defaults', () => {
  let prod: Built;
  let prodWarnings: string[];
  beforeAll(() => {
    // GIVEN / WHEN a production service with every default (annotations first: they synthesize)
    const stack = newStack();
    const service = new BlueGreenFargateService(stack, 'Svc', { production: true });
    prodWarnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map(m => String(m.entry.data));
    prod = { stack, service, template: Template.fromStack(stack) };
  });

  test('the created VPC has a NAT gateway in each of its 2 AZs', () => {
    // THEN
    prod.template.resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  test('natGateways: 1 keeps a single NAT gateway for cost', () => {
    // GIVEN / WHEN
    const { template } = build({ production: true, natGateways: 1 });
    // THEN
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  test('the created VPC has an S3 gateway endpoint on the private route tables and no interface endpoints', () => {
    // THEN
    prod.template.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    prod.template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('\\.s3$')])] },
      RouteTableIds: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('PrivateSubnet1RouteTable') })]),
    });
  });

  test('vpcEndpoints: true adds ECR api, ECR dkr and CloudWatch Logs interface endpoints in the private subnets', () => {
    // GIVEN
    const stack = newStack();
    new BlueGreenFargateService(stack, 'Svc', { production: true, vpcEndpoints: true });
    // WHEN
    const findings = nagFindings(stack);
    const template = Template.fromStack(stack);
    // THEN
    const services = Object.values<any>(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))
      .map(r => r.Properties.ServiceName['Fn::Join']?.[1]?.slice(-1)[0] ?? r.Properties.ServiceName);
    expect(services.sort()).toEqual(['.ecr.api', '.ecr.dkr', '.logs']);
    template.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SubnetIds: [{ Ref: Match.stringLikeRegexp('PrivateSubnet1') }, { Ref: Match.stringLikeRegexp('PrivateSubnet2') }],
    }, 3);
    // AND cdk-nag stays clean
    expect(findings).toEqual([]);
  });

  test('vpcEndpoints with a passed-in vpc: warns that it is ignored', () => {
    // GIVEN
    const stack = newStack();
    new BlueGreenFargateService(stack, 'Svc', { vpc: new ec2.Vpc(stack, 'GivenVpc', { maxAzs: 2, natGateways: 1 }), vpcEndpoints: true });
    // THEN
    Annotations.fromStack(stack).hasWarning('/TestStack/Svc', Match.stringLikeRegexp('vpcEndpoints \\(true\\) is ignored'));
  });

  test('the load balancer is protected from deletion', () => {
    // THEN
    prod.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
    });
  });

  test('loadBalancerDeletionProtection: false turns the protection off; outside production it is off', () => {
    for (const props of [{ production: true, loadBalancerDeletionProtection: false }, {}]) {
      // GIVEN / WHEN
      const { template } = build(props);
      // THEN
      const { resource } = onlyResource(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      expect(resource.Properties.LoadBalancerAttributes).not.toContainEqual({ Key: 'deletion_protection.enabled', Value: 'true' });
    }
  });

  test('warns that production serves plain HTTP to the internet', () => {
    // THEN
    expect(prodWarnings.filter(w => /plain HTTP/.test(w))).toEqual([
      expect.stringMatching(/^production environment 'Svc' serves plain HTTP to 0\.0\.0\.0\/0 on port 80: set certificate .*productionListenerAllowedCidrs/),
    ]);
  });

  test.each([
    ['with a certificate', { production: true, certificate: 'cert' }],
    ['with a restricted production listener', { production: true, productionListenerAllowedCidrs: ['203.0.113.0/24'] }],
    ['internal', { production: true, internetFacing: false }],
    ['outside production', {}],
  ])('no plain-HTTP warning %s', (_name, input) => {
    // GIVEN
    const stack = newStack();
    const { certificate, ...rest } = input as any;
    new BlueGreenFargateService(stack, 'Svc', {
      ...rest,
      ...(certificate ? { certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc') } : {}),
    });
    // THEN
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('plain HTTP'));
    expect(warnings).toEqual([]);
  });

  test('production\'s test listener admits no CIDR, only the smoke test\'s security group', () => {
    // GIVEN
    const albSg = logicalId(prod.stack, prod.service.loadBalancer.connections.securityGroups[0]);
    const smokeSg = logicalId(prod.stack, prod.service.smokeTest!.function.connections.securityGroups[0]);
    // THEN the load balancer's inline rules open only the production port
    const sg = prod.template.findResources('AWS::EC2::SecurityGroup')[albSg];
    expect(sg.Properties.SecurityGroupIngress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80 })]);
    // AND the test port is reachable from security groups only: the smoke test's
    const testRules = Object.values<any>(prod.template.findResources('AWS::EC2::SecurityGroupIngress'))
      .map(r => r.Properties).filter(p => p.FromPort === 8080 && JSON.stringify(p.GroupId).includes(albSg));
    expect(testRules).toEqual([expect.objectContaining({ SourceSecurityGroupId: { 'Fn::GetAtt': [smokeSg, 'GroupId'] } })]);
  });

  test('outside production the test listener still admits the VPC CIDR', () => {
    // GIVEN / WHEN
    const { stack, service, template } = build();
    // THEN
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Load balancer of Svc',
      SecurityGroupIngress: Match.arrayWith([Match.objectLike({ CidrIp: stack.resolve(service.vpc.vpcCidrBlock), FromPort: 8080 })]),
    });
  });

  test('production honours testListenerAllowedCidrs', () => {
    // GIVEN / WHEN
    const { template } = build({ production: true, testListenerAllowedCidrs: ['203.0.113.0/24'] });
    // THEN
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Load balancer of Svc',
      SecurityGroupIngress: Match.arrayWith([Match.objectLike({ CidrIp: '203.0.113.0/24', FromPort: 8080, ToPort: 8080 })]),
    });
  });

  test('a hook function in the VPC is admitted to production\'s test listener by security group', () => {
    // GIVEN a user afterAllowTestTraffic hook in the service's VPC
    let hookSg: ec2.ISecurityGroup | undefined;
    const { stack, service, template } = build(s => {
      const vpc = new ec2.Vpc(s, 'SharedVpc', { maxAzs: 2, natGateways: 1 });
      const hook = new lambda.Function(s, 'Hook', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({});'),
        vpc,
      });
      hookSg = hook.connections.securityGroups[0];
      return { vpc, production: true, hooks: { afterAllowTestTraffic: hook } };
    });
    // THEN
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [logicalId(stack, service.loadBalancer.connections.securityGroups[0]), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack, hookSg!), 'GroupId'] },
      FromPort: 8080,
      ToPort: 8080,
    });
  });

  test('cdk-nag: a production service has no unsuppressed errors or warnings', () => {
    // GIVEN
    const stack = newStack();
    new BlueGreenFargateService(stack, 'Svc', { production: true });
    // WHEN / THEN
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('imported hook functions', () => {
  test('a hook without a role (Function.fromFunctionArn) is reported: it cannot be granted the status report', () => {
    // GIVEN
    const stack = newStack();
    const hook = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:eu-west-1:123456789012:function:check');
    new BlueGreenFargateService(stack, 'Svc', { hooks: { beforeAllowTraffic: hook } });
    // WHEN
    const warnings = Annotations.fromStack(stack).findWarning('/TestStack/Svc', Match.stringLikeRegexp('hooks\\.'));
    // THEN exactly one warning, naming the prop and the permission to grant
    expect(warnings.map(w => String(w.entry.data))).toEqual([expect.stringMatching(
      /^hooks\.beforeAllowTraffic \(TestStack\/Imported\) is imported without its role, so it cannot be granted codedeploy:PutLifecycleEventHookExecutionStatus: grant it yourself on this environment's deployment group/)]);
  });

  test('a hook imported with its role is granted the status report and not reported', () => {
    // GIVEN
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'HookRole', 'arn:aws:iam::123456789012:role/hook');
    const hook = lambda.Function.fromFunctionAttributes(stack, 'Imported', { functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:check', role });
    new BlueGreenFargateService(stack, 'Svc', { hooks: { beforeAllowTraffic: hook } });
    // WHEN
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('hooks\\.'));
    // THEN
    expect(warnings).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: ['hook'],
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'codedeploy:PutLifecycleEventHookExecutionStatus' })] },
    });
  });
});
