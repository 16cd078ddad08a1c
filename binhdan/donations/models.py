"""(models of donations)"""
