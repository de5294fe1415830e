"""Write docs/images/explore.svg, the README's picture of `effcli explore`.

    python scripts/explore_screenshot.py [OUT.svg]

The explorer of efficientnetv2_b0 at 100 x 32, started as `effcli explore b0 --width 1.2 --depth 1.4 -r 260`
would start it, with block4a opened (the Block view). tests/test_explore.py checks that the stored picture
shows what the explorer shows today (the same texts, in order); run this script when it does not.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (100, 32)
START = {"Width": "1.2", "Depth": "1.4", "Resolution": "260", "Classes": "", "Batch": "1", "dtype": "float32"}
# the tree: stem, stage 1, block1a, block1b, stage 2, block2a, block2b, block2c, stage 3, block3a .. 3c, stage 4, 4a
KEYS = ["down"] * 13 + ["enter"]


def screenshot() -> str:
    from effcli.tools.session import Session
    from effcli.tui.app import ExploreApp

    async def main() -> str:
        app = ExploreApp(Session("efficientnetv2_b0"), start=START)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for key in KEYS:
                await pilot.press(key)
            await pilot.pause()
            return app.export_screenshot(title="effcli explore b0 --width 1.2 --depth 1.4 -r 260")

    return asyncio.run(main())


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images" / "explore.svg"
    out.write_text(screenshot(), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
