"""kqlrules.engine"""
