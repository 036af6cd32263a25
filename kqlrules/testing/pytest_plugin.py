"""pytest plugin (entry point `pytest11`): collects detection test cases as test items."""
