import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { allowStatements } from './support/iam';
import { ImageRecord } from '../src/blue-green/ecs-native/image-record';

function service(stack: Stack): { service: ecs.FargateService; taskDefinition: ecs.FargateTaskDefinition } {
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 }) });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task');
  taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable') });
  return { service: new ecs.FargateService(stack, 'Service', { cluster, taskDefinition }), taskDefinition };
}

describe('ImageRecord', () => {
  test('GIVEN a container that is not a child of the task definition THEN it fails naming the container and the task definition', () => {
    // GIVEN a container of another task definition
    const stack = new Stack(new App(), 'Native');
    const { service: svc, taskDefinition } = service(stack);
    const other = new ecs.FargateTaskDefinition(stack, 'Other');
    const stranger = other.addContainer('stranger', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable') });

    // WHEN / THEN
    expect(() => new ImageRecord(stack, 'Record', { service: svc, taskDefinition, containers: [stranger] })).toThrow(
      "ImageRecord: container 'stranger' (Native/Other/stranger) is not a child of the task definition Native/Task; "
      + 'only containers added with taskDefinition.addContainer() can read their images from the record');
  });

  test('GIVEN a record THEN its function may touch only this stack\'s parameters, the cluster\'s services, and describe task definitions', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Native');
    const { service: svc, taskDefinition } = service(stack);

    // WHEN
    new ImageRecord(stack, 'Record', { service: svc, taskDefinition, containers: taskDefinition.defaultContainer ? [taskDefinition.defaultContainer] : [] });

    // THEN exactly these statements (the cdk-nag acknowledgement admits Resource::*, so only this test notices a widening)
    const cluster = stack.getLogicalId(svc.cluster.node.defaultChild as ecs.CfnCluster);
    const template = Template.fromStack(stack);
    const fn = Object.values<any>(template.findResources('AWS::Lambda::Function'))
      .find(f => f.Properties.Description?.startsWith('Records the images ECS-native deployments run'));
    const role = fn.Properties.Role['Fn::GetAtt'][0];
    const policies = Object.entries<any>(template.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === role)).map(([id]) => id);
    expect(template.findResources('AWS::IAM::Role')[role].Properties).toEqual(expect.objectContaining({
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] }],
    }));
    expect(template.findResources('AWS::IAM::Role')[role].Properties.Policies).toBeUndefined();
    const statements = allowStatements(stack)
      .filter(s => policies.includes(s.policy))
      .map(s => ({ actions: s.actions, resources: s.resources, condition: s.condition }));
    expect(statements).toEqual([
      {
        actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: ['arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/cdk-ecs-cicd-pipeline/Native/*'],
        condition: undefined,
      },
      { actions: ['ecs:DescribeTaskDefinition'], resources: ['*'], condition: undefined },
      {
        actions: ['ecs:DescribeServices'],
        resources: [`arn:\${AWS::Partition}:ecs:\${AWS::Region}:\${AWS::AccountId}:service/\${${cluster}}/*`],
        condition: undefined,
      },
    ]);
  });
});
