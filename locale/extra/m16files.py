"""Chinese for removing a meeting record's photos and attachments, and the meeting records in the admin
(issue 16 follow-up, helper m16files). Applied with bin/po_fill.py."""

T = {
    # The record page
    "Remove the photo": "删除照片",
    "Remove the attachment": "删除附件",
    "The photo is deleted for good.": "照片将被永久删除，无法恢复。",
    "%(name)s is deleted for good.": "“%(name)s”将被永久删除，无法恢复。",
    "Photo removed.": "照片已删除。",
    "That photo had already been removed.": "这张照片已被删除。",
    "Attachment %(name)s removed.": "附件“%(name)s”已删除。",
    "That attachment had already been removed.": "这个附件已被删除。",
    # The admin
    "Open the photo": "查看照片",
}
