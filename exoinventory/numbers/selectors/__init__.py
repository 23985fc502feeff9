"""Selectors: the reads of the numbers app (HackSoft style: `<entity>_<action>`)."""
