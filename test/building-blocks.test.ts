import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { createTopic } from '../src/pipeline/notifications';
import { createRepository } from '../src/pipeline/repository';
import { createDeploymentAlarms } from '../src/service/alarms';
import { createLoadBalancerPair } from '../src/service/load-balancer';
import { resolveServiceSettings } from '../src/service/settings';
import { createServiceTask } from '../src/service/task-definition';

/**
 * The building blocks the two constructs are composed of, each used alone in a bare stack (the
 * composition itself is pinned by test/example-app.test.ts).
 */
function stack(): Stack {
  return new Stack(new App(), 'Stack');
}

describe('service building blocks', () => {
  test('task definition: application container and the X-Ray sidecar, in the given scope', () => {
    const s = stack();
    const task = createServiceTask(s, { containerPort: 8080 }, resolveServiceSettings({ containerPort: 8080 }, ''));
    expect(task.taskDefinition.node.path).toBe('Stack/TaskDefinition');
    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({ Name: 'app', PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }] }),
        Match.objectLike({ Name: 'xray-daemon', Essential: false }),
      ]),
    });
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
  });

  test('load balancer pair: production and test listeners in front of blue and green target groups', () => {
    const s = stack();
    const vpc = new ec2.Vpc(s, 'Vpc');
    const pair = createLoadBalancerPair(s, { vpc, environmentName: 'dev', props: {}, settings: resolveServiceSettings({}, '') });
    expect(pair.protocol).toBe(elbv2.ApplicationProtocol.HTTP);
    expect(pair.productionCidrs).toEqual(['0.0.0.0/0']);
    const template = Template.fromStack(s);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8080 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
  });

  test('deployment alarms: 5xx and unhealthy hosts per target group, and p99 response time', () => {
    const s = stack();
    const vpc = new ec2.Vpc(s, 'Vpc');
    const loadBalancer = new elbv2.ApplicationLoadBalancer(s, 'Lb', { vpc });
    const tg = (id: string, listenerPort: number) => {
      const group = new elbv2.ApplicationTargetGroup(s, id, { vpc, port: 80, targetType: elbv2.TargetType.IP });
      loadBalancer.addListener(`${id}Listener`, { port: listenerPort, protocol: elbv2.ApplicationProtocol.HTTP, defaultTargetGroups: [group] });
      return group;
    };
    const alarms = createDeploymentAlarms(s, {
      environmentName: 'dev',
      blueTargetGroup: tg('Blue', 80),
      greenTargetGroup: tg('Green', 8080),
      loadBalancer,
      http5xxThreshold: 7,
      responseTime: Duration.millis(1500),
    });
    expect(alarms).toHaveLength(5);
    const template = Template.fromStack(s);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'HTTPCode_Target_5XX_Count', Threshold: 7 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'TargetResponseTime', Threshold: 1.5, ExtendedStatistic: 'p99' });
  });
});

describe('pipeline building blocks', () => {
  test('repository: scan on push, immutable tags, retention from imageRetentionCount', () => {
    const s = stack();
    createRepository(s, { imageRetentionCount: 12 }, RemovalPolicy.RETAIN);
    Template.fromStack(s).hasResourceProperties('AWS::ECR::Repository', {
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('"countNumber":12') },
    });
  });

  test('notification topic: encrypted with the given key, SSL only, one subscription per distinct address', () => {
    const s = stack();
    const key = new kms.Key(s, 'Key');
    createTopic(s, 'Topic', key, ['a@acme.example', 'b@acme.example', 'a@acme.example']);
    const template = Template.fromStack(s);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});
