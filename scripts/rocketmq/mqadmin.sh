#!/usr/bin/env bash
# RocketMQ's mqadmin (org.apache.rocketmq.tools.command.MQAdminStartup) from the jars scripts/brokers.sh
# fetched, e.g. to create a topic on the local test broker:
#
#   scripts/rocketmq/mqadmin.sh updateTopic -n 127.0.0.1:19876 -c DefaultCluster -t orders
#   scripts/rocketmq/mqadmin.sh queryMsgByKey -n 127.0.0.1:19876 -t orders -k order-42
#
# Environment: POLYBUS_CACHE (as brokers.sh), JAVA_HOME.
set -euo pipefail
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(<"$dir/version")
libs=${POLYBUS_CACHE:-$HOME/.cache/polybus}/rocketmq-$version/libs
[[ -f $libs/.polybus-complete ]] || {
  echo "mqadmin: no RocketMQ jars in $libs (run scripts/brokers.sh up rocketmq first)" >&2
  exit 2
}
java=java
if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then java=$JAVA_HOME/bin/java; fi
exec "$java" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
  "-Drocketmq.home.dir=${libs%/libs}" -cp "$libs/*" org.apache.rocketmq.tools.command.MQAdminStartup "$@"
