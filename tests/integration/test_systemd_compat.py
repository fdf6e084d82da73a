#!/usr/bin/python3
"""Side by side with the real systemd-timedated (RECIPE.md 7: overlay over /etc, fake
/run/systemd, no CAP_SYS_TIME; never its SetTime): the same ListTimezones answer."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FDO, NATIVE  # noqa: E402


class SystemdCompat(harness.MeridianTestCase):

    def test_list_timezones_equals_real_systemd_timedated(self):
        self.polkit_allow_all()
        td = self.start_real_timedated()
        reference = list(self.call('ListTimezones', iface=FDO))
        self.assertIn('Asia/Seoul', reference)
        td.terminate()
        self.wait_until(lambda: not self.name_has_owner(FDO.name), what='timedated to go')
        self.start_daemon()
        ours_fdo = list(self.call('ListTimezones', iface=FDO))
        ours_native = list(self.call('ListTimezones', iface=NATIVE))
        missing = sorted(set(reference) - set(ours_fdo))
        extra = sorted(set(ours_fdo) - set(reference))
        self.assertEqual((missing[:20], extra[:20]), ([], []),
                         f'{len(missing)} missing, {len(extra)} extra')
        self.assertEqual(ours_fdo, reference, 'same set, different order')
        self.assertEqual(ours_native, reference)


if __name__ == '__main__':
    harness.main()
