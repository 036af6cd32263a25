"""The stories embedded in the sample week: attacks the pack must catch, and look-alikes it must not.

Each story writes its own rows, reserves its actors for the day (so background activity cannot blur it) and
says which detections (file stems under `queries/`) must fire on it and which must stay quiet. A detection
evaluated with its default parameters at `Story.check_at` sees the whole story; evaluate it as a workspace
would, over the rows up to `check_at` only (the week's later rows are that moment's future).

Days count from the start of the week (0, 1) or from its end (-1 is the last day): the look-alikes sit
mostly on day -3, the attacks on days -2 and -1, after a baseline. One module per area (sign-ins,
directory, Azure, Defender alerts, Intune, Identity Protection, AI agents); `docs/sample-tenant.md` lists
every story with its time, actors and expected detections for the default week.
"""

# Importing the area modules registers their stories, in this order.
from kqlrules.sample.stories import agents, alerts, azure, directory, intune, risk, signins  # noqa: F401
from kqlrules.sample.stories.catalogue import STORIES, Played, Scene, Story, StoryDefinition, story

__all__ = ["STORIES", "Played", "Scene", "Story", "StoryDefinition", "story"]
