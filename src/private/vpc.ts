import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { acknowledge } from './nag';
import { validateInteger } from './validation';

/**
 * The VPC created when none is passed in: 2 AZs, public subnets for the load balancer, private
 * subnets with egress through `natGateways` NAT gateways for the tasks, flow logs and an S3
 * gateway endpoint (free: image layers, which ECR serves from S3, then bypass the NAT gateways).
 * With `interfaceEndpoints`, ECR (api, dkr) and CloudWatch Logs get interface endpoints too, so
 * image pulls and logs keep working without NAT (each costs per AZ-hour).
 */
export function createDefaultVpc(scope: Construct, id: string, natGateways: number, interfaceEndpoints = false): ec2.Vpc {
  validateInteger('natGateways', natGateways, 1, 2);
  const vpc = new ec2.Vpc(scope, id, {
    maxAzs: 2,
    natGateways,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    ],
  });
  vpc.addFlowLog('FlowLog');
  vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3 });
  if (interfaceEndpoints) {
    const services: Array<[string, ec2.InterfaceVpcEndpointAwsService]> = [
      ['EcrApiEndpoint', ec2.InterfaceVpcEndpointAwsService.ECR],
      ['EcrDockerEndpoint', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
      ['LogsEndpoint', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
    ];
    for (const [endpointId, service] of services) {
      const endpoint = vpc.addInterfaceEndpoint(endpointId, { service, subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
      // aws-cdk-lib opens the endpoint's security group to the VPC CIDR on 443 (`open: true`), a
      // CloudFormation attribute AwsSolutions-EC23 cannot evaluate.
      acknowledge(endpoint, 'CdkNagValidationFailure',
        'The endpoint admits HTTPS from the VPC CIDR (a CloudFormation attribute AwsSolutions-EC23 cannot evaluate); it is never 0.0.0.0/0.', true,
        ['AwsSolutions-EC23']);
    }
  }
  return vpc;
}

/**
 * The public IPs (as `/32` CIDRs) of the NAT gateways that `vpc` created with their own Elastic
 * IPs: traffic from the private subnets to an internet-facing load balancer arrives from these.
 * Empty when they cannot be known (an imported VPC, NAT instances, NAT gateways on Elastic IPs
 * passed in by allocation id). aws-cdk-lib's `PublicSubnet.addNatGateway` creates the Elastic IP
 * as the subnet's child 'EIP' (aws-ec2/lib/vpc.js).
 */
export function natGatewayCidrs(vpc: ec2.IVpc): string[] {
  if (!(vpc instanceof ec2.Vpc)) { return []; }
  const gateways = vpc.publicSubnets.filter(subnet => subnet.node.tryFindChild('NATGateway') instanceof ec2.CfnNatGateway);
  const eips = gateways.map(subnet => subnet.node.tryFindChild('EIP')).filter((eip): eip is ec2.CfnEIP => eip instanceof ec2.CfnEIP);
  // All or nothing: admitting only some NAT gateways would fail in the AZs of the others.
  return gateways.length > 0 && eips.length === gateways.length ? eips.map(eip => `${eip.attrPublicIp}/32`) : [];
}
