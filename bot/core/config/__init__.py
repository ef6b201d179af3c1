"""The repository's ``.github/loopwatch.yml``: one module per part of the file.

``loader.load_config`` reads the text; ``repo.RepoConfig`` is the whole file, made of
``campaign`` (campaigns, phases, defaults), ``criteria``, ``labels``, ``definition``,
``signature_rules``, ``failures``, ``commands``, ``check_runs`` and the artifacts'
section (``bot.core.artifacts.config``). ``plain_errors`` and ``yaml_loader`` turn what
goes wrong into plain words.
"""
