#!/bin/sh
echo "$GREETING from $(pwd)"
cat /etc/motd
ls /srv/old
if [ -e /opt/remove-me ]; then echo 'whiteout failed'; exit 1; fi
echo 'demo: ok'
