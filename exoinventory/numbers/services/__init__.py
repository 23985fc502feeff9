"""Services: the writes of the numbers app (HackSoft style: `<entity>_<action>`)."""
