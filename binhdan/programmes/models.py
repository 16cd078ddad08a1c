"""(models of programmes)"""
