#!/usr/bin/env bash
# The workshop's chapter 1 environment (Container Insights; see
# /work/shared/workshop/INVENTORY.md) created the way a person following the
# workshop would without CDK: one `aws` CLI command per API call, in order,
# each waiting for the last. It is the "before" side of bench/run's
# comparison with `berth apply -f specs/container-insights.yaml`.
#
#   AWS_ENDPOINT_URL=http://127.0.0.1:PORT bench/seed/chapter1.sh
#
# Needs the emulator's credentials in the environment (tests/emulator
# fixture's env()). Every command is logged to stderr as
# "aws-call START END SERVICE COMMAND" (bash 5 $EPOCHREALTIME) so the harness
# can count invocations (each one starts a Python interpreter) and tell the
# time spent in waiters (`aws ... wait`, which poll every 15 s) from the rest.
# Resources, as CDK would make them: VPC 10.0.0.0/24 over 3 AZs with public
# and private /27 subnets, an internet gateway, one NAT gateway (and EIP) per
# AZ, a route table per subnet; cluster container-demo with Container
# Insights; Cloud Map namespace service.local; security groups; per service a
# task role and an execution role, a log group, a task definition, a Cloud Map
# service and an ECS service (frontend behind an internet-facing ALB with a
# target group and an HTTP:80 listener); the CPU alarm with an SNS topic and
# an email subscription.
set -euo pipefail
: "${AWS_ENDPOINT_URL:?set AWS_ENDPOINT_URL to the emulator}"
REGION=${AWS_REGION:-us-west-2}

a() {
	local t0=$EPOCHREALTIME rc=0
	aws --endpoint-url "$AWS_ENDPOINT_URL" --region "$REGION" --output text "$@" || rc=$?
	echo "aws-call $t0 $EPOCHREALTIME $1 $2" >&2
	return $rc
}

# ---- network (stack ecsworkshop-base) ----
VPC=$(a ec2 create-vpc --cidr-block 10.0.0.0/24 --query Vpc.VpcId \
	--tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value=ecsworkshop-base/BaseVPC}]')
a ec2 modify-vpc-attribute --vpc-id "$VPC" --enable-dns-support '{"Value":true}'
a ec2 modify-vpc-attribute --vpc-id "$VPC" --enable-dns-hostnames '{"Value":true}'
read -r -a AZS <<<"$(a ec2 describe-availability-zones --query 'AvailabilityZones[0:3].ZoneName')"

IGW=$(a ec2 create-internet-gateway --query InternetGateway.InternetGatewayId)
a ec2 attach-internet-gateway --internet-gateway-id "$IGW" --vpc-id "$VPC"

PUB=() PRIV=() NAT=()
for i in 0 1 2; do
	s=$(a ec2 create-subnet --vpc-id "$VPC" --availability-zone "${AZS[$i]}" \
		--cidr-block "10.0.0.$((i * 32))/27" --query Subnet.SubnetId)
	a ec2 modify-subnet-attribute --subnet-id "$s" --map-public-ip-on-launch
	PUB+=("$s")
	rt=$(a ec2 create-route-table --vpc-id "$VPC" --query RouteTable.RouteTableId)
	a ec2 associate-route-table --route-table-id "$rt" --subnet-id "$s" >/dev/null
	a ec2 create-route --route-table-id "$rt" --destination-cidr-block 0.0.0.0/0 \
		--gateway-id "$IGW" >/dev/null
	eip=$(a ec2 allocate-address --domain vpc --query AllocationId)
	NAT+=("$(a ec2 create-nat-gateway --subnet-id "$s" --allocation-id "$eip" \
		--query NatGateway.NatGatewayId)")
done
a ec2 wait nat-gateway-available --nat-gateway-ids "${NAT[@]}"
for i in 0 1 2; do
	s=$(a ec2 create-subnet --vpc-id "$VPC" --availability-zone "${AZS[$i]}" \
		--cidr-block "10.0.0.$((96 + i * 32))/27" --query Subnet.SubnetId)
	PRIV+=("$s")
	rt=$(a ec2 create-route-table --vpc-id "$VPC" --query RouteTable.RouteTableId)
	a ec2 associate-route-table --route-table-id "$rt" --subnet-id "$s" >/dev/null
	a ec2 create-route --route-table-id "$rt" --destination-cidr-block 0.0.0.0/0 \
		--nat-gateway-id "${NAT[$i]}" >/dev/null
done

# ---- cluster, namespace, backend security group ----
a ecs create-cluster --cluster-name container-demo --query cluster.clusterArn >/dev/null
a ecs update-cluster-settings --cluster container-demo \
	--settings name=containerInsights,value=enabled >/dev/null
OP=$(a servicediscovery create-private-dns-namespace --name service.local --vpc "$VPC" \
	--query OperationId)
while :; do
	st=$(a servicediscovery get-operation --operation-id "$OP" --query 'Operation.[Status,Targets.NAMESPACE]')
	case $st in SUCCESS*) NS=${st#SUCCESS}; NS=${NS//[[:space:]]/}; break ;; FAIL*) echo "$st" >&2; exit 1 ;; esac
	sleep 1
done
BACKEND_SG=$(a ec2 create-security-group --vpc-id "$VPC" --group-name FrontendToBackend \
	--description "Frontend to backend" --query GroupId)
a ec2 authorize-security-group-ingress --group-id "$BACKEND_SG" --protocol tcp --port 3000 \
	--source-group "$BACKEND_SG" >/dev/null

# ---- load balancer (ecsdemo-frontend) ----
ALB_SG=$(a ec2 create-security-group --vpc-id "$VPC" --group-name frontend-alb \
	--description "ALB of ecsdemo-frontend" --query GroupId)
a ec2 authorize-security-group-ingress --group-id "$ALB_SG" --protocol tcp --port 80 \
	--cidr 0.0.0.0/0 >/dev/null
FRONT_SG=$(a ec2 create-security-group --vpc-id "$VPC" --group-name frontend-service \
	--description "ecsdemo-frontend service" --query GroupId)
a ec2 authorize-security-group-ingress --group-id "$FRONT_SG" --protocol tcp --port 3000 \
	--source-group "$ALB_SG" >/dev/null
a ec2 authorize-security-group-ingress --group-id "$BACKEND_SG" --protocol tcp --port 3000 \
	--source-group "$FRONT_SG" >/dev/null
ALB=$(a elbv2 create-load-balancer --name ecsdemo-frontend --scheme internet-facing \
	--type application --subnets "${PUB[@]}" --security-groups "$ALB_SG" \
	--query 'LoadBalancers[0].LoadBalancerArn')
TG=$(a elbv2 create-target-group --name ecsdemo-frontend --protocol HTTP --port 3000 \
	--vpc-id "$VPC" --target-type ip --health-check-path / --query 'TargetGroups[0].TargetGroupArn')
a elbv2 create-listener --load-balancer-arn "$ALB" --protocol HTTP --port 80 \
	--default-actions "Type=forward,TargetGroupArn=$TG" >/dev/null

# ---- the three services ----
TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
SUBNETS=$(IFS=,; echo "${PRIV[*]}")
for svc in frontend nodejs crystal; do
	name=ecsdemo-$svc
	case $svc in
	frontend) container=web; sgs="$FRONT_SG,$BACKEND_SG"; prefix=FrontendFargateLBService
		env='{"name":"CRYSTAL_URL","value":"http://ecsdemo-crystal.service.local:3000/crystal"},{"name":"NODEJS_URL","value":"http://ecsdemo-nodejs.service.local:3000"},' ;;
	*) container=$svc-app; sgs=$BACKEND_SG; prefix=/$svc-container; env= ;;
	esac
	task_role=$(a iam create-role --role-name "$name-task" --assume-role-policy-document "$TRUST" \
		--query Role.Arn)
	a iam put-role-policy --role-name "$name-task" --policy-name describe-subnets \
		--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeSubnets","Resource":"*"}]}'
	exec_role=$(a iam create-role --role-name "$name-exec" --assume-role-policy-document "$TRUST" \
		--query Role.Arn)
	a logs create-log-group --log-group-name "/ecsworkshop/$name"
	a logs put-retention-policy --log-group-name "/ecsworkshop/$name" --retention-in-days 7
	a iam put-role-policy --role-name "$name-exec" --policy-name logs \
		--policy-document "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resource\":\"arn:aws:logs:$REGION:*:log-group:/ecsworkshop/$name:*\"}]}"
	td=$(a ecs register-task-definition --family "$name" --requires-compatibilities FARGATE \
		--network-mode awsvpc --cpu 256 --memory 512 --task-role-arn "$task_role" \
		--execution-role-arn "$exec_role" --query taskDefinition.taskDefinitionArn \
		--container-definitions "[{\"name\":\"$container\",\"image\":\"public.ecr.aws/aws-containers/$name\",\"memoryReservation\":128,\"essential\":true,\"portMappings\":[{\"containerPort\":3000,\"protocol\":\"tcp\"}],\"environment\":[$env{\"name\":\"REGION\",\"value\":\"$REGION\"}],\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/ecsworkshop/$name\",\"awslogs-region\":\"$REGION\",\"awslogs-stream-prefix\":\"$prefix\"}}}]")
	sd=$(a servicediscovery create-service --name "$name" --namespace-id "$NS" \
		--dns-config 'RoutingPolicy=MULTIVALUE,DnsRecords=[{Type=A,TTL=60}]' --query Service.Arn)
	lb=()
	[ "$svc" = frontend ] && lb=(--load-balancers "targetGroupArn=$TG,containerName=web,containerPort=3000")
	a ecs create-service --cluster container-demo --service-name "$name" --task-definition "$td" \
		--desired-count 1 --launch-type FARGATE "${lb[@]}" \
		--network-configuration "awsvpcConfiguration={subnets=[$SUBNETS],securityGroups=[$sgs],assignPublicIp=DISABLED}" \
		--service-registries "registryArn=$sd" --query service.serviceArn >/dev/null
done
a ecs wait services-stable --cluster container-demo \
	--services ecsdemo-frontend ecsdemo-nodejs ecsdemo-crystal

# ---- the alarm (console in the workshop) ----
TOPIC=$(a sns create-topic --name container-demo-cpu-alarm --query TopicArn)
a sns subscribe --topic-arn "$TOPIC" --protocol email --notification-endpoint ops@example.com >/dev/null
a cloudwatch put-metric-alarm --alarm-name ecsdemo-frontend-cpu --namespace AWS/ECS \
	--metric-name CPUUtilization --dimensions Name=ClusterName,Value=container-demo \
	Name=ServiceName,Value=ecsdemo-frontend --statistic Average --period 300 \
	--evaluation-periods 1 --threshold 50 --comparison-operator GreaterThanThreshold \
	--alarm-actions "$TOPIC"
echo "chapter 1 created: VPC $VPC, cluster container-demo, ALB $ALB"
