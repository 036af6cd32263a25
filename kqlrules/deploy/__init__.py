"""kqlrules.deploy"""
