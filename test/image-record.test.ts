import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
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
});
