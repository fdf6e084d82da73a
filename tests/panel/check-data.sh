#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The desktop file and AppStream metainfo as built (Korean merged in from po/) pass the
# validators GNOME Software and desktops apply.
# Usage: check-data.sh DESKTOP METAINFO
set -u
desktop=$1 metainfo=$2
for tool in desktop-file-validate appstreamcli; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
fail=0
desktop-file-validate "$desktop" || { echo "FAIL: desktop-file-validate $desktop"; fail=1; }
appstreamcli validate --no-net "$metainfo" || { echo "FAIL: appstreamcli validate $metainfo"; fail=1; }
grep -q '^Name\[ko\]=날짜 및 시간$' "$desktop" || { echo "FAIL: no Korean Name in $desktop"; fail=1; }
grep -q '<name xml:lang="ko">날짜 및 시간</name>' "$metainfo" || { echo "FAIL: no Korean name in $metainfo"; fail=1; }
grep -q '<p xml:lang="ko">패널의 첫 릴리스.</p>' "$metainfo" || { echo "FAIL: the Korean release note in $metainfo is not the translation"; fail=1; }
grep -q '^Exec=meridian-panel$' "$desktop" || { echo "FAIL: Exec is not meridian-panel"; fail=1; }
[ $fail = 0 ] && echo "desktop file and metainfo valid"
exit $fail
